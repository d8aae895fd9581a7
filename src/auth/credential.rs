//! The admin password, held only as an argon2id PHC string: hashed at start when given in clear,
//! or given already hashed (`talkative-emulator hash-password`).

use std::fmt;

use anyhow::{Context, anyhow};
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use aws_lc_rs::rand::{SecureRandom, SystemRandom};

/// An argon2id hash of the admin password, in PHC string form. Never printed.
#[derive(Clone)]
pub struct AdminCredential(String);

impl AdminCredential {
    /// Hashes a password given in clear (argon2id, default parameters, random salt).
    pub fn from_password(password: &str) -> anyhow::Result<Self> {
        if password.is_empty() {
            return Err(anyhow!("the admin password is empty"));
        }
        if password.trim_end() != password {
            // RFC 9110 strips whitespace around header values, so `Authorization: Bearer …`
            // could never carry it, and every API call would fail with a puzzling 401.
            return Err(anyhow!(
                "the admin password ends with whitespace, which no HTTP header can carry: API \
                 clients could never send it. Remove the trailing whitespace (leading and inner \
                 spaces are fine)"
            ));
        }
        let mut salt = [0u8; 16];
        SystemRandom::new()
            .fill(&mut salt)
            .map_err(|_| anyhow!("the system RNG failed"))?;
        let salt = SaltString::encode_b64(&salt).map_err(|e| anyhow!("encoding a salt: {e}"))?;
        let hash = Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map_err(|e| anyhow!("hashing the admin password: {e}"))?;
        Ok(Self(hash.to_string()))
    }

    /// Takes an existing PHC string, checking that it is an argon2 hash we can verify against.
    pub fn from_phc(phc: &str) -> anyhow::Result<Self> {
        let phc = phc.trim();
        let parsed = PasswordHash::new(phc)
            .map_err(|e| anyhow!("the admin password hash is not a PHC string: {e}"))
            .context("expected the output of `talkative-emulator hash-password` ($argon2id$…)")?;
        if !parsed.algorithm.as_str().starts_with("argon2") {
            return Err(anyhow!(
                "the admin password hash uses {}, not argon2",
                parsed.algorithm
            ));
        }
        Ok(Self(phc.to_owned()))
    }

    pub fn phc(&self) -> &str {
        &self.0
    }

    /// Slow on purpose (argon2): call from a blocking thread.
    pub fn matches(&self, candidate: &str) -> bool {
        PasswordHash::new(&self.0).is_ok_and(|hash| {
            Argon2::default()
                .verify_password(candidate.as_bytes(), &hash)
                .is_ok()
        })
    }
}

impl fmt::Debug for AdminCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AdminCredential(<argon2 hash>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_credential_matches_its_password_only_and_never_prints_it() {
        let credential = AdminCredential::from_password("correct horse").unwrap();
        assert!(credential.phc().starts_with("$argon2id$"));
        assert!(credential.matches("correct horse"));
        assert!(!credential.matches("correct horse "));
        assert!(!credential.matches(""));
        assert_eq!(format!("{credential:?}"), "AdminCredential(<argon2 hash>)");
        let again = AdminCredential::from_phc(credential.phc()).unwrap();
        assert!(again.matches("correct horse"));
    }

    #[test]
    fn malformed_or_foreign_hashes_are_refused() {
        assert!(AdminCredential::from_password("").is_err());
        assert!(AdminCredential::from_password("pw ").is_err());
        assert!(AdminCredential::from_password("pw\t").is_err());
        assert!(AdminCredential::from_password(" p w").is_ok());
        assert!(AdminCredential::from_phc("hunter2").is_err());
        assert!(AdminCredential::from_phc("$pbkdf2-sha256$i=1000$c2FsdA$aGFzaA").is_err());
    }
}
