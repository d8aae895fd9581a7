//! The local certificate authority behind `--tls-bind`: a browser that cannot route requests
//! (Selenium, a WebView, a person) reaches the emulator as `https://eu.engage.app` when its
//! resolver maps Talkative's hosts to this machine, so a production page runs unchanged.
//!
//! Made once and kept in a folder beside the database (`<database>-tls/`, or `--tls-dir`):
//! - `ca.pem`: the CA certificate, for a trust store (`talkative-emulator tls ca`). It is
//!   name-constrained to Talkative's hosts and loopback, so trusting it cannot vouch for any other
//!   site, even if its key leaked.
//! - `ca-key.pem`, `server-key.pem`: the two private keys (mode 0600, folder 0700). The server
//!   key stays the same across starts, so its pin (`talkative-emulator tls spki`, for Chromium's
//!   `--ignore-certificate-errors-spki-list`) does too.
//!
//! The server certificate is issued afresh at each start from those keys (valid from a day ago
//! for 397 days, the most a browser accepts from a public CA), so it never expires under a
//! long-lived CA folder.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use base64::Engine;
use rcgen::{
    BasicConstraints, CertificateParams, CidrSubnet, DistinguishedName, DnType,
    ExtendedKeyUsagePurpose, GeneralSubtree, IsCa, Issuer, KeyPair, KeyUsagePurpose,
    NameConstraints, PublicKeyData,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

use crate::private_files;

/// Talkative's hosts: every public example loads the widget from `https://{region}.engage.app`,
/// and the Core API is at the same hosts. The CA may vouch for these and loopback only.
pub const TALKATIVE_DOMAIN: &str = "engage.app";

const CA_CERTIFICATE: &str = "ca.pem";
const CA_KEY: &str = "ca-key.pem";
const SERVER_KEY: &str = "server-key.pem";
const CA_NAME: &str = "talkative-emulator local CA";
const SERVER_CERTIFICATE_DAYS: i64 = 397;
const CA_YEARS: i64 = 10;

/// The folder the CA is kept in when `--tls-dir` is not given: `<database file>-tls`, beside the
/// database, so each database (each test run's temporary one included) has its own.
pub fn default_dir(database_url: &str) -> anyhow::Result<PathBuf> {
    let file = crate::storage::database_file(database_url)?.with_context(|| {
        format!(
            "the database {database_url:?} is not a file, so there is nowhere beside it to \
             keep the TLS certificate authority: pass --tls-dir <folder>"
        )
    })?;
    let mut dir = file.into_os_string();
    dir.push("-tls");
    Ok(PathBuf::from(dir))
}

/// The CA and the server key, read from their folder (made there first if it is empty).
pub struct LocalCa {
    dir: PathBuf,
    ca_certificate_pem: String,
    ca_key: KeyPair,
    server_key: KeyPair,
}

impl LocalCa {
    pub fn open_or_create(dir: &Path) -> anyhow::Result<Self> {
        private_files::create_dir(dir).context("making the TLS folder")?;
        let ca_certificate_path = dir.join(CA_CERTIFICATE);
        let (ca_key, ca_certificate_pem) = if ca_certificate_path.exists() {
            let key = read_key(&dir.join(CA_KEY))?;
            let pem = std::fs::read_to_string(&ca_certificate_path)
                .with_context(|| format!("reading {}", ca_certificate_path.display()))?;
            (key, pem)
        } else {
            let key = KeyPair::generate().context("generating the CA's key")?;
            let certificate = ca_params()
                .self_signed(&key)
                .context("making the CA certificate")?;
            // The key first: a folder with a certificate and no key is one the next start
            // cannot use, while a lone key is simply replaced.
            private_files::write(&dir.join(CA_KEY), &key.serialize_pem())?;
            private_files::write(&ca_certificate_path, &certificate.pem())?;
            (key, certificate.pem())
        };
        let server_key_path = dir.join(SERVER_KEY);
        let server_key = if server_key_path.exists() {
            read_key(&server_key_path)?
        } else {
            let key = KeyPair::generate().context("generating the server's key")?;
            private_files::write(&server_key_path, &key.serialize_pem())?;
            key
        };
        Ok(Self {
            dir: dir.to_owned(),
            ca_certificate_pem,
            ca_key,
            server_key,
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The CA certificate, PEM, for a trust store.
    pub fn ca_certificate_pem(&self) -> &str {
        &self.ca_certificate_pem
    }

    /// base64 of the SHA-256 of the server key's SubjectPublicKeyInfo: what Chromium's
    /// `--ignore-certificate-errors-spki-list` takes.
    pub fn server_spki_pin(&self) -> String {
        let spki = self.server_key.subject_public_key_info();
        let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, &spki);
        base64::engine::general_purpose::STANDARD.encode(digest.as_ref())
    }

    /// A server certificate for Talkative's hosts and loopback, issued now, and its chain.
    pub fn server_certificate(&self) -> anyhow::Result<Vec<CertificateDer<'static>>> {
        let now = time::OffsetDateTime::now_utc();
        let mut params = CertificateParams::new(vec![
            format!("*.{TALKATIVE_DOMAIN}"),
            TALKATIVE_DOMAIN.to_owned(),
            "localhost".to_owned(),
            "127.0.0.1".to_owned(),
            "::1".to_owned(),
        ])
        .context("naming the server certificate's hosts")?;
        params.distinguished_name.push(
            DnType::CommonName,
            format!("*.{TALKATIVE_DOMAIN} (talkative-emulator)"),
        );
        params.not_before = now - time::Duration::days(1);
        params.not_after = now + time::Duration::days(SERVER_CERTIFICATE_DAYS);
        params.is_ca = IsCa::ExplicitNoCa;
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        params.use_authority_key_identifier_extension = true;
        let issuer = Issuer::new(ca_params(), &self.ca_key);
        let certificate = params
            .signed_by(&self.server_key, &issuer)
            .context("issuing the server certificate")?;
        let ca =
            rustls::pki_types::pem::PemObject::from_pem_slice(self.ca_certificate_pem.as_bytes())
                .map_err(|e| {
                anyhow::anyhow!("reading {}: {e}", self.dir.join(CA_CERTIFICATE).display())
            })?;
        Ok(vec![certificate.der().clone(), ca])
    }

    /// What the TLS listener serves with: the server certificate issued now, TLS 1.2 and 1.3,
    /// HTTP/1.1 (what the plain listener speaks too).
    pub fn server_config(&self) -> anyhow::Result<rustls::ServerConfig> {
        let chain = self.server_certificate()?;
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(self.server_key.serialize_der()));
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .context("choosing TLS versions")?
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .context("loading the server certificate")?;
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(config)
    }
}

/// The CA's parameters, the same at every start: the server certificate names its issuer by
/// this subject, so it is rebuilt here rather than parsed back from `ca.pem`.
fn ca_params() -> CertificateParams {
    let mut params = CertificateParams::default();
    let mut name = DistinguishedName::new();
    name.push(DnType::CommonName, CA_NAME);
    name.push(
        DnType::OrganizationName,
        "talkative-emulator (local testing only)",
    );
    params.distinguished_name = name;
    let now = time::OffsetDateTime::now_utc();
    params.not_before = now - time::Duration::days(1);
    params.not_after = now + time::Duration::days(365 * CA_YEARS);
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    params.name_constraints = Some(NameConstraints {
        permitted_subtrees: vec![
            GeneralSubtree::DnsName(TALKATIVE_DOMAIN.to_owned()),
            GeneralSubtree::DnsName("localhost".to_owned()),
            GeneralSubtree::IpAddress(CidrSubnet::from_addr_prefix(
                IpAddr::V4(Ipv4Addr::new(127, 0, 0, 0)),
                8,
            )),
            GeneralSubtree::IpAddress(CidrSubnet::from_addr_prefix(
                IpAddr::V6(Ipv6Addr::LOCALHOST),
                128,
            )),
        ],
        excluded_subtrees: Vec::new(),
    });
    params
}

fn read_key(path: &Path) -> anyhow::Result<KeyPair> {
    let pem = std::fs::read_to_string(path).with_context(|| {
        format!(
            "reading {} (the TLS folder is incomplete: delete the folder to make a new CA, then \
             trust the new ca.pem)",
            path.display()
        )
    })?;
    KeyPair::from_pem(&pem).with_context(|| format!("reading the key in {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_folder_defaults_to_beside_the_database_file_and_in_memory_databases_need_one_named() {
        assert_eq!(
            default_dir("sqlite://talkative-emulator.db").unwrap(),
            PathBuf::from("talkative-emulator.db-tls")
        );
        assert_eq!(
            default_dir("sqlite:///tmp/x/e.db?mode=rwc").unwrap(),
            PathBuf::from("/tmp/x/e.db-tls")
        );
        let error = default_dir("sqlite::memory:").unwrap_err().to_string();
        assert!(error.contains("--tls-dir"), "{error}");
    }

    #[test]
    fn the_ca_and_the_server_key_are_made_once_so_the_pin_survives_a_restart() {
        let dir = tempfile::tempdir().unwrap();
        let first = LocalCa::open_or_create(dir.path()).unwrap();
        let second = LocalCa::open_or_create(dir.path()).unwrap();
        assert_eq!(first.server_spki_pin(), second.server_spki_pin());
        assert_eq!(first.ca_certificate_pem(), second.ca_certificate_pem());
        assert!(
            first
                .ca_certificate_pem()
                .starts_with("-----BEGIN CERTIFICATE-----")
        );
        // 32 bytes of SHA-256, base64 with padding.
        assert_eq!(first.server_spki_pin().len(), 44);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            for key in [CA_KEY, SERVER_KEY] {
                let mode = std::fs::metadata(dir.path().join(key))
                    .unwrap()
                    .permissions()
                    .mode();
                assert_eq!(mode & 0o077, 0, "{key} is readable by others: {mode:o}");
            }
        }
        let other = tempfile::tempdir().unwrap();
        let unrelated = LocalCa::open_or_create(other.path()).unwrap();
        assert_ne!(first.server_spki_pin(), unrelated.server_spki_pin());
    }

    #[test]
    fn a_folder_with_a_certificate_but_no_key_is_refused_with_what_to_do() {
        let dir = tempfile::tempdir().unwrap();
        LocalCa::open_or_create(dir.path()).unwrap();
        std::fs::remove_file(dir.path().join(CA_KEY)).unwrap();
        let error = format!("{:#}", LocalCa::open_or_create(dir.path()).err().unwrap());
        assert!(error.contains("delete the folder"), "{error}");
    }
}
