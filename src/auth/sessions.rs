//! The sessions the admin password opens, and the password check that guards them.
//!
//! Sessions are random 256-bit
//! tokens in an HttpOnly, SameSite=Strict cookie; the server keeps only their SHA-256, so the
//! table it holds cannot be replayed. A new session is issued at every login.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use aws_lc_rs::constant_time::verify_slices_are_equal;
use aws_lc_rs::digest::{SHA256, digest};
use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use tokio::sync::Semaphore;

use super::credential::AdminCredential;
use crate::encoding::base64url;

/// How long a session lasts without a new login.
pub const SESSION_LIFETIME: Duration = Duration::from_secs(12 * 60 * 60);
/// Open sessions kept at most; past it the oldest is closed. Bounds memory if a password leaks.
const MAX_SESSIONS: usize = 256;
/// Password checks (argon2) running at once.
const CONCURRENT_PASSWORD_CHECKS: usize = 2;

/// The credential plus the live sessions, shared by every worker.
pub struct AdminAccess {
    credential: AdminCredential,
    /// SHA-256 of session tokens, with when each expires.
    sessions: Mutex<HashMap<[u8; 32], Instant>>,
    /// SHA-256 of the last password that matched, so API clients sending it on every request
    /// cost one constant-time comparison instead of an argon2 run each.
    accepted_password: Mutex<Option<[u8; 32]>>,
    /// Argon2 runs at once. Each takes ~19 MiB by design; unbounded, guesses from many addresses
    /// would turn that into a memory attack. Waiting callers queue.
    hashing: Semaphore,
}

impl AdminAccess {
    pub fn new(credential: AdminCredential) -> Self {
        Self {
            credential,
            sessions: Mutex::new(HashMap::new()),
            accepted_password: Mutex::new(None),
            hashing: Semaphore::new(CONCURRENT_PASSWORD_CHECKS),
        }
    }

    /// Whether `candidate` is the password that matched last time: one constant-time comparison
    /// of digests, no argon2. `false` means "unknown", not "wrong": ask [`Self::check_password`].
    pub fn is_recently_accepted(&self, candidate: &str) -> bool {
        lock(&self.accepted_password)
            .is_some_and(|accepted| verify_slices_are_equal(&accepted, &sha256(candidate)).is_ok())
    }

    /// Whether `candidate` is the admin password: always a full argon2 check (on a blocking
    /// thread), remembered for [`Self::is_recently_accepted`] when it matches.
    pub async fn check_password(&self, candidate: &str) -> bool {
        let candidate_digest = sha256(candidate);
        let credential = self.credential.clone();
        let candidate = candidate.to_owned();
        let Ok(_permit) = self.hashing.acquire().await else {
            return false;
        };
        let matches = actix_web::web::block(move || credential.matches(&candidate))
            .await
            .unwrap_or(false);
        if matches {
            *lock(&self.accepted_password) = Some(candidate_digest);
        }
        matches
    }

    /// Opens a session and returns its token (the cookie value). `replacing`, the session the
    /// browser had before logging in, is closed: a login never keeps a pre-existing token.
    pub fn open_session(&self, replacing: Option<&str>) -> String {
        let mut bytes = [0u8; 32];
        SystemRandom::new()
            .fill(&mut bytes)
            .expect("the system RNG is available");
        let token = base64url::encode(&bytes);
        let now = Instant::now();
        let mut sessions = lock(&self.sessions);
        if let Some(old) = replacing {
            sessions.remove(&sha256(old));
        }
        sessions.retain(|_, expires| *expires > now);
        if sessions.len() >= MAX_SESSIONS
            && let Some(oldest) = sessions.iter().min_by_key(|(_, e)| **e).map(|(k, _)| *k)
        {
            sessions.remove(&oldest);
        }
        sessions.insert(sha256(&token), now + SESSION_LIFETIME);
        token
    }

    pub fn session_is_valid(&self, token: &str) -> bool {
        // Looked up by digest: timing can reveal nothing about a token without its preimage.
        lock(&self.sessions)
            .get(&sha256(token))
            .is_some_and(|expires| *expires > Instant::now())
    }

    pub fn close_session(&self, token: &str) {
        lock(&self.sessions).remove(&sha256(token));
    }
}

fn sha256(text: &str) -> [u8; 32] {
    let mut out = [0u8; 32];
    out.copy_from_slice(digest(&SHA256, text.as_bytes()).as_ref());
    out
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sessions_are_new_at_each_login_and_close() {
        let access = AdminAccess::new(AdminCredential::from_password("pw").unwrap());
        let first = access.open_session(None);
        assert!(access.session_is_valid(&first));
        let second = access.open_session(Some(&first));
        assert_ne!(first, second);
        assert!(
            !access.session_is_valid(&first),
            "login must not keep the old token"
        );
        assert!(access.session_is_valid(&second));
        access.close_session(&second);
        assert!(!access.session_is_valid(&second));
        assert!(!access.session_is_valid("forged"));
    }

    #[tokio::test]
    async fn concurrent_checks_queue_for_a_permit_and_all_get_their_answer() {
        let access = std::sync::Arc::new(AdminAccess::new(
            AdminCredential::from_password("pw").unwrap(),
        ));
        let checks: Vec<_> = (0..6)
            .map(|i| {
                let access = access.clone();
                tokio::spawn(async move {
                    access
                        .check_password(if i == 3 { "pw" } else { "no" })
                        .await
                })
            })
            .collect();
        let mut answers = Vec::new();
        for check in checks {
            answers.push(check.await.unwrap());
        }
        assert_eq!(answers, [false, false, false, true, false, false]);
        assert_eq!(
            access.hashing.available_permits(),
            CONCURRENT_PASSWORD_CHECKS,
            "every permit came back"
        );
        assert!(access.is_recently_accepted("pw"));
    }

    #[test]
    fn open_sessions_are_bounded() {
        let access = AdminAccess::new(AdminCredential::from_password("pw").unwrap());
        let first = access.open_session(None);
        for _ in 0..MAX_SESSIONS {
            access.open_session(None);
        }
        assert_eq!(lock(&access.sessions).len(), MAX_SESSIONS);
        assert!(
            !access.session_is_valid(&first),
            "the oldest session was closed"
        );
    }
}
