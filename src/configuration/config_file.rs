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
//!
//! [[webhooks]]                     # Generic CRM webhooks (no validation POST at start)
//! label = "CRM staging"
//! url = "http://127.0.0.1:9000/talkative"
//! send_condition = "completed_and_wrapped"   # optional; the only one emulated
//! queues = []                      # optional: queue UUIDs; empty is every queue
//! headers = [{ name = "Authorization", value_env = "CRM_TOKEN" }]   # or `value = "…"`
//! ```
//!
//! Everything is parsed and validated when the file is read, with the same codes as the API, so
//! a bad file stops the server at start with a precise message instead of half-applying.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use serde::Deserialize;

use crate::domain::api_key::{ApiKeyName, ApiToken};
use crate::domain::webhook::Webhook;
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
    /// Webhooks, installed (replacing the file's earlier ones) at start and on reset.
    pub webhooks: Vec<Webhook>,
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
    #[serde(default)]
    webhooks: Vec<ConfigWebhook>,
}

/// A `[[webhooks]]` table; header values in the file or in environment variables.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigWebhook {
    label: String,
    url: String,
    send_condition: Option<String>,
    #[serde(default)]
    queues: Vec<String>,
    #[serde(default)]
    headers: Vec<ConfigHeader>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigHeader {
    name: String,
    value: Option<String>,
    value_env: Option<String>,
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
        let config: RawConfigFile =
            toml::from_str(&text).map_err(|error| syntax_error(path, &text, &error))?;
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
        for (index, webhook) in config.webhooks.into_iter().enumerate() {
            let mut headers = Vec::with_capacity(webhook.headers.len());
            for (at, header) in webhook.headers.into_iter().enumerate() {
                let value = match (header.value, header.value_env) {
                    (Some(value), None) => value,
                    (None, Some(variable)) => environment(&variable).with_context(|| {
                        format!(
                            "webhooks[{index}].headers[{at}].value_env: the environment has no \
                             {variable}"
                        )
                    })?,
                    _ => bail!(
                        "webhooks[{index}].headers[{at}] needs exactly one of `value` or `value_env`"
                    ),
                };
                headers.push((header.name, value));
            }
            // The problem's message never repeats a header's value.
            let parsed = Webhook::parse(
                &webhook.label,
                &webhook.url,
                webhook
                    .send_condition
                    .as_deref()
                    .unwrap_or("completed_and_wrapped"),
                &webhook.queues,
                &headers,
            )
            .map_err(|problem| anyhow::anyhow!("webhooks[{index}]: {problem}"))?;
            seed.webhooks.push(parsed);
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
            && self.webhooks.is_empty()
    }
}

/// A TOML error without the text it was read from. toml's own message quotes the offending
/// line, and a config file holds secrets (`token = "tke_…"`): a refusal never repeats one, in
/// the terminal or in the JSON log. So: where (line and column) and what, with any quoted value
/// in the message taken out too (serde's "invalid type: string \"…\"" quotes the value).
fn syntax_error(path: &Path, text: &str, error: &toml::de::Error) -> anyhow::Error {
    let place = error.span().map_or_else(String::new, |span| {
        let before = &text.as_bytes()[..span.start.min(text.len())];
        let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
        let line_start = before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
        let column = String::from_utf8_lossy(&before[line_start..])
            .chars()
            .count()
            + 1;
        // The key the line sets is named (a bare key: never a value), what follows `=` is not.
        let key = text[line_start..]
            .lines()
            .next()
            .and_then(|content| content.split_once('='))
            .map(|(key, _)| key.trim())
            .filter(|key| {
                !key.is_empty()
                    && key
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
            })
            .map_or_else(String::new, |key| format!(" (`{key} = \u{2026}`)"));
        format!(" at line {line}, column {column}{key}")
    });
    anyhow::anyhow!(
        "parsing the config file {}{place}: {} (the line is not repeated here: a config file \
         may hold tokens)",
        path.display(),
        without_quoted_values(error.message().trim_end())
    )
}

/// `message` with what stands between double quotes replaced by `…`, and between backticks
/// too unless it is a member name (snake_case, at most 32 characters: serde names the unknown
/// or expected member that way, and that is worth keeping; its "unknown variant `…`" quotes a
/// value the same way).
fn without_quoted_values(message: &str) -> String {
    let is_member_name = |text: &str| {
        !text.is_empty()
            && text.len() <= 32
            && text
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    };
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(start) = rest.find(['"', '`']) {
        let quote = rest[start..].chars().next().unwrap_or('"');
        out.push_str(&rest[..=start]);
        let inside = &rest[start + 1..];
        let Some(end) = inside.find(quote) else {
            out.push('\u{2026}');
            return out;
        };
        if quote == '`' && is_member_name(&inside[..end]) {
            out.push_str(&inside[..end]);
        } else {
            out.push('\u{2026}');
        }
        out.push(quote);
        rest = &inside[end + 1..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_syntax_error_says_where_and_what_but_never_repeats_the_file() {
        const SECRET: &str = "tke_0123456789abcdefghijklmnopqrstuvwxyzSECRET";
        for text in [
            // An unterminated string: toml quotes the whole line, token included.
            format!("[[api_keys]]\nname = \"CI\"\ntoken = \"{SECRET}\n"),
            // A value of the wrong type: serde's message quotes the value.
            format!("report_only = \"{SECRET}\"\n"),
            format!("unsigned_fields = \"{SECRET}\"\n"),
            format!("unsigned_field_match = \"{SECRET}\"\n"),
            format!("[[api_keys]]\nname = \"CI\"\ntoken = {SECRET}\n"),
        ] {
            let error = format!("{:#}", load(&text).unwrap_err());
            assert!(error.contains("emulator.toml"), "{error}");
            assert!(
                !error.contains("0123456789abcdef"),
                "the error repeats the token: {error}"
            );
        }
        let error = format!(
            "{:#}",
            load(&format!(
                "[[api_keys]]\nname = \"CI\"\ntoken = \"{SECRET}\n"
            ))
            .unwrap_err()
        );
        assert!(error.contains("at line 3, column"), "{error}");
        assert_eq!(
            without_quoted_values("invalid type: string \"abc\", expected `a boolean`"),
            "invalid type: string \"\u{2026}\", expected `\u{2026}`"
        );
        assert_eq!(
            without_quoted_values("unknown field `nonsense`, expected `report_only`"),
            "unknown field `nonsense`, expected `report_only`",
            "member names stay"
        );
        assert_eq!(
            without_quoted_values("unknown variant `tke_AbC`, expected `name` or `label`"),
            "unknown variant `\u{2026}`, expected `name` or `label`"
        );
        assert_eq!(
            without_quoted_values("unclosed \"abc"),
            "unclosed \"\u{2026}"
        );
    }

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
