//! Config-as-file: signing keys and unsigned fields to install at start (and again on reset), so
//! a CI job gets the same emulator state every run.
//!
//! ```toml
//! report_only = false            # optional; the --report-only flag also sets it
//! unsigned_field_match = "name"  # optional: "name" (the default) or "label"; the flag wins
//! unsigned_fields = ["page", "utm_source"]
//!
//! [[signing_keys]]
//! name = "backend"
//! pem_file = "keys/ec_public.pem"  # relative to this file; or `pem = """-----BEGIN…"""`
//!
//! [[api_keys]]                     # Core API keys CI knows in advance
//! name = "CI backend"
//! token_env = "CORE_API_TOKEN"     # read from the environment at start; or `token = "…"`
//! ```
//!
//! Everything is parsed and validated when the file is read, with the same codes as the API, so
//! a bad file stops the server at start with a precise message instead of half-applying.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use serde::Deserialize;

use crate::domain::api_key::{ApiKeyName, ApiToken};
use crate::domain::widget_config::{Action, PreChatField, Queue, WidgetConfigParts};
use crate::domain::{ItemMember, KeyName, SigningKey, UnsignedFieldLabel, WidgetConfig};

#[derive(Debug, Clone, Default)]
pub struct ConfigFile {
    pub signing_keys: Vec<(KeyName, SigningKey)>,
    pub unsigned_fields: Vec<UnsignedFieldLabel>,
    pub report_only: Option<bool>,
    pub unsigned_field_match: Option<ItemMember>,
    /// Chat widget configs, installed (replacing any with the same UUID) at start and on reset.
    pub widget_configs: Vec<WidgetConfig>,
    /// Core API keys with tokens chosen in advance, installed at start and on reset.
    pub api_keys: Vec<(ApiKeyName, ApiToken)>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfigFile {
    report_only: Option<bool>,
    unsigned_field_match: Option<ItemMember>,
    #[serde(default)]
    unsigned_fields: Vec<String>,
    #[serde(default)]
    signing_keys: Vec<ConfigKey>,
    #[serde(default)]
    widget_configs: Vec<ConfigWidget>,
    #[serde(default)]
    api_keys: Vec<ConfigApiKey>,
}

/// An `[[api_keys]]` table: a name and a token, in the file or in an environment variable.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigApiKey {
    name: String,
    token: Option<String>,
    token_env: Option<String>,
}

/// A `[[widget_configs]]` table: a UUID and the config's parts.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigWidget {
    uuid: uuid::Uuid,
    name: String,
    #[serde(default)]
    queues: Vec<Queue>,
    #[serde(default)]
    actions: Vec<Action>,
    #[serde(default)]
    fields: Vec<PreChatField>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigKey {
    name: Option<String>,
    pem_file: Option<PathBuf>,
    pem: Option<String>,
}

impl ConfigFile {
    pub fn load(path: &Path) -> anyhow::Result<Self> {
        Self::load_with(path, |name| std::env::var(name).ok())
    }

    /// [`ConfigFile::load`], reading `token_env` variables through `environment`.
    fn load_with(
        path: &Path,
        environment: impl Fn(&str) -> Option<String>,
    ) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading the config file {}", path.display()))?;
        let config: RawConfigFile = toml::from_str(&text)
            .with_context(|| format!("parsing the config file {}", path.display()))?;
        let base = path.parent().unwrap_or(Path::new("."));
        let mut seed = ConfigFile {
            report_only: config.report_only,
            unsigned_field_match: config.unsigned_field_match,
            ..ConfigFile::default()
        };
        for (index, key) in config.signing_keys.into_iter().enumerate() {
            let name = KeyName::parse(key.name.as_deref().unwrap_or_default())
                .map_err(|problem| anyhow::anyhow!("signing_keys[{index}].name: {problem}"))?;
            let (pem, source) = match (key.pem, key.pem_file) {
                (Some(pem), None) => (pem, format!("signing_keys[{index}].pem")),
                (None, Some(file)) => {
                    let file = base.join(file);
                    let pem = std::fs::read_to_string(&file).with_context(|| {
                        format!("reading signing_keys[{index}].pem_file {}", file.display())
                    })?;
                    (pem, file.display().to_string())
                }
                _ => bail!("signing_keys[{index}] needs exactly one of `pem` or `pem_file`"),
            };
            let parsed = SigningKey::parse_pem(&pem)
                .map_err(|problem| anyhow::anyhow!("{source}: {problem}"))?;
            seed.signing_keys.push((name, parsed));
        }
        if seed.signing_keys.len() > crate::jws::MAX_ACTIVE_KEYS {
            bail!(
                "too_many_active_keys: the file has {} signing keys; at most {} may be active \
                 (a token without \"kid\" is tried against every active key)",
                seed.signing_keys.len(),
                crate::jws::MAX_ACTIVE_KEYS
            );
        }
        for (index, widget) in config.widget_configs.into_iter().enumerate() {
            let parts = WidgetConfigParts {
                name: widget.name,
                queues: widget.queues,
                actions: widget.actions,
                fields: widget.fields,
            };
            let checked = WidgetConfig::new(widget.uuid, parts)
                .map_err(|problem| anyhow::anyhow!("widget_configs[{index}]: {problem}"))?;
            seed.widget_configs.push(checked);
        }
        for (index, key) in config.api_keys.into_iter().enumerate() {
            let name = ApiKeyName::parse(&key.name)
                .map_err(|problem| anyhow::anyhow!("api_keys[{index}].name: {problem}"))?;
            let token = match (key.token, key.token_env) {
                (Some(token), None) => token,
                (None, Some(variable)) => environment(&variable).with_context(|| {
                    format!("api_keys[{index}].token_env: the environment has no {variable}")
                })?,
                _ => bail!("api_keys[{index}] needs exactly one of `token` or `token_env`"),
            };
            // The problem's message never repeats the token.
            let token = ApiToken::parse(&token)
                .map_err(|problem| anyhow::anyhow!("api_keys[{index}].token: {problem}"))?;
            seed.api_keys.push((name, token));
        }
        for (index, label) in config.unsigned_fields.iter().enumerate() {
            let label = UnsignedFieldLabel::parse(label)
                .map_err(|problem| anyhow::anyhow!("unsigned_fields[{index}]: {problem}"))?;
            seed.unsigned_fields.push(label);
        }
        Ok(seed)
    }

    pub fn is_empty(&self) -> bool {
        self.signing_keys.is_empty()
            && self.unsigned_fields.is_empty()
            && self.widget_configs.is_empty()
            && self.api_keys.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> anyhow::Result<ConfigFile> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("emulator.toml");
        std::fs::write(&path, text).unwrap();
        ConfigFile::load(&path)
    }

    #[test]
    fn reads_keys_and_fields() {
        let pem = crate::domain::signing_key::tests::RFC7515_A3_PEM;
        let seed = load(&format!(
            "report_only = true\nunsigned_fields = [\"page\"]\n[[signing_keys]]\nname = \"rfc\"\npem = \"\"\"\n{pem}\n\"\"\"\n"
        ))
        .unwrap();
        assert_eq!(seed.signing_keys[0].0.as_str(), "rfc");
        assert_eq!(seed.unsigned_fields[0].as_str(), "page");
        assert_eq!(seed.report_only, Some(true));
    }

    #[test]
    fn api_keys_take_a_token_or_an_environment_variable_and_never_repeat_it_in_an_error() {
        let seed = load("[[api_keys]]\nname = \"CI\"\ntoken = \"0123456789abcdefghij\"\n").unwrap();
        assert_eq!(seed.api_keys[0].0.as_str(), "CI");
        assert_eq!(seed.api_keys[0].1.reveal(), "0123456789abcdefghij");
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("emulator.toml");
        std::fs::write(
            &path,
            "[[api_keys]]\nname = \"CI\"\ntoken_env = \"CI_TOKEN\"\n",
        )
        .unwrap();
        let environment =
            |name: &str| (name == "CI_TOKEN").then(|| "from-the-environment-0123".to_owned());
        let seed = ConfigFile::load_with(&path, environment).unwrap();
        assert_eq!(seed.api_keys[0].1.reveal(), "from-the-environment-0123");
        for (text, expected) in [
            (
                "[[api_keys]]\nname = \"CI\"",
                "exactly one of `token` or `token_env`",
            ),
            (
                "[[api_keys]]\nname = \"CI\"\ntoken_env = \"CONFIG_FILE_TEST_UNSET\"",
                "the environment has no CONFIG_FILE_TEST_UNSET",
            ),
            (
                "[[api_keys]]\nname = \" \"\ntoken = \"0123456789abcdefghij\"",
                "api_keys[0].name: invalid_api_key",
            ),
            (
                "[[api_keys]]\nname = \"CI\"\ntoken = \"short-secret\"",
                "api_keys[0].token: invalid_api_key",
            ),
        ] {
            let error = format!("{:#}", load(text).unwrap_err());
            assert!(error.contains(expected), "{text}: {error}");
            assert!(
                !error.contains("short-secret"),
                "the error repeats the token: {error}"
            );
        }
    }

    fn eleven_keys() -> String {
        (0..11)
            .map(|_| {
                use aws_lc_rs::encoding::AsDer;
                use aws_lc_rs::signature::{
                    ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair,
                };
                let pair = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING).unwrap();
                let der = pair.public_key().as_der().unwrap();
                let pem = SigningKey::from_spki_der(der.as_ref()).unwrap().to_pem();
                format!("[[signing_keys]]\npem = \"\"\"\n{pem}\"\"\"\n")
            })
            .collect()
    }

    #[test]
    fn refuses_bad_files_precisely() {
        for (text, expected) in [
            ("nonsense = 1", "unknown field"),
            ("unsigned_fields = [\" page\"]", "invalid_label"),
            ("[[signing_keys]]\npem = \"x\"", "invalid_pem"),
            ("[[signing_keys]]\nname = \"k\"", "exactly one of"),
            (
                "[[signing_keys]]\npem_file = \"missing.pem\"",
                "reading signing_keys[0].pem_file",
            ),
            (&eleven_keys(), "too_many_active_keys"),
            // Names get the API's rules and code, not a free pass.
            (
                "[[signing_keys]]\nname = \"a\\nb\"\npem = \"x\"",
                "signing_keys[0].name: invalid_key_name",
            ),
            (
                &format!(
                    "[[signing_keys]]\nname = \"{}\"\npem = \"x\"",
                    "n".repeat(10_000)
                ),
                "invalid_key_name",
            ),
        ] {
            let error = format!("{:#}", load(text).unwrap_err());
            assert!(error.contains(expected), "{text}: {error}");
        }
    }
}
