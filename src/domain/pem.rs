//! A forgiving-on-whitespace, strict-on-content reader for the PEM blocks people paste into a form.
//!
//! We scan blocks ourselves instead of using a strict RFC 7468 decoder so that we can say *which*
//! block was wrong (an `EC PARAMETERS` block before an `EC PRIVATE KEY` is what `openssl ecparam`
//! writes without `-noout`) and so that CRLF, indentation and trailing blanks from a browser paste
//! are not reported as corruption.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PemBlock {
    pub label: String,
    pub der: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PemError {
    NoBlock,
    Unterminated { label: String },
    MismatchedEnd { begin: String, end: String },
    BadBase64 { label: String },
}

/// Every PEM block in `text`, in order. Text outside blocks is ignored, as openssl does.
pub fn parse_blocks(text: &str) -> Result<Vec<PemBlock>, PemError> {
    let mut blocks = Vec::new();
    let mut lines = text.lines().map(str::trim);
    while let Some(line) = lines.next() {
        let Some(label) = armor_label(line, "-----BEGIN ") else {
            continue;
        };
        let mut body = String::new();
        let mut closed = false;
        for inner in lines.by_ref() {
            if let Some(end) = armor_label(inner, "-----END ") {
                if end != label {
                    return Err(PemError::MismatchedEnd {
                        begin: label.to_owned(),
                        end: end.to_owned(),
                    });
                }
                closed = true;
                break;
            }
            // RFC 1421 headers (Proc-Type, DEK-Info) only appear in encrypted legacy keys.
            if inner.contains(':') {
                continue;
            }
            body.push_str(inner);
        }
        if !closed {
            return Err(PemError::Unterminated {
                label: label.to_owned(),
            });
        }
        let der = STANDARD
            .decode(body.as_bytes())
            .map_err(|_| PemError::BadBase64 {
                label: label.to_owned(),
            })?;
        blocks.push(PemBlock {
            label: label.to_owned(),
            der,
        });
    }
    if blocks.is_empty() {
        return Err(PemError::NoBlock);
    }
    Ok(blocks)
}

/// A PEM block with 64-character lines, as openssl writes it.
pub fn encode_block(label: &str, der: &[u8]) -> String {
    let body = STANDARD.encode(der);
    let mut pem = format!("-----BEGIN {label}-----\n");
    for line in body.as_bytes().chunks(64) {
        pem.push_str(std::str::from_utf8(line).expect("base64 is ASCII"));
        pem.push('\n');
    }
    pem.push_str(&format!("-----END {label}-----\n"));
    pem
}

fn armor_label<'a>(line: &'a str, prefix: &str) -> Option<&'a str> {
    line.strip_prefix(prefix)?.strip_suffix("-----")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_crlf_and_indented_paste() {
        let text = "  -----BEGIN PUBLIC KEY-----\r\n  AQID\r\n-----END PUBLIC KEY-----  \r\n";
        let blocks = parse_blocks(text).unwrap();
        assert_eq!(blocks.len(), 1);
        assert_eq!(blocks[0].label, "PUBLIC KEY");
        assert_eq!(blocks[0].der, vec![1, 2, 3]);
    }

    #[test]
    fn reads_every_block_in_order() {
        let text = "-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n\
                    -----BEGIN EC PRIVATE KEY-----\nAQID\n-----END EC PRIVATE KEY-----\n";
        let labels: Vec<_> = parse_blocks(text)
            .unwrap()
            .into_iter()
            .map(|b| b.label)
            .collect();
        assert_eq!(labels, ["EC PARAMETERS", "EC PRIVATE KEY"]);
    }

    #[test]
    fn rejects_what_is_not_pem() {
        assert_eq!(parse_blocks("hello"), Err(PemError::NoBlock));
        assert_eq!(parse_blocks(""), Err(PemError::NoBlock));
        assert!(matches!(
            parse_blocks("-----BEGIN PUBLIC KEY-----\nAQID\n"),
            Err(PemError::Unterminated { .. })
        ));
        assert!(matches!(
            parse_blocks("-----BEGIN PUBLIC KEY-----\nAQID\n-----END PRIVATE KEY-----"),
            Err(PemError::MismatchedEnd { .. })
        ));
        assert!(matches!(
            parse_blocks("-----BEGIN PUBLIC KEY-----\n!!!\n-----END PUBLIC KEY-----"),
            Err(PemError::BadBase64 { .. })
        ));
    }
}
