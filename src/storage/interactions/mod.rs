//! The `interactions` table, the interaction log: its rows (written by `storage/batch.rs`, pruned
//! by `storage/retention.rs`), pages read newest first within a byte budget (the API), and the
//! portal's browsing: filtered, searched and counted without reading requests or verdicts. What
//! each interaction carried is kept whole in `interaction_items` (one row per item) and its
//! codes as a JSON array in `verdict_codes`. By concern:
//!
//! - [`rows`]: the row as written and read back, the one set of column decoders;
//! - [`carried`]: the items and codes an interaction carried, encoded and decoded;
//! - [`filter`]: which rows a list shows;
//! - [`pages`]: the API's pages; [`browse`]: the portal's.

mod browse;
mod carried;
mod filter;
mod pages;
mod rows;

pub use browse::{
    Browse, BrowseRow, PREVIEW_DATA_CHARS, PREVIEW_ITEMS, Position, browse, neighbours, newer_than,
};
pub(in crate::storage) use carried::encode_codes;
pub use carried::{CarriedItem, CarriedItems, ItemText, codes_of, items_of};
pub use filter::Filter;
pub use pages::{PAGE_BYTES, Page, page};
pub use rows::{
    NewInteraction, StoredInteraction, clear, count, delete, get, latest_seq, seq_of, totals,
};

#[cfg(test)]
mod tests {
    use super::carried::decode_codes;
    use super::rows::{decode_source, decode_status};
    use super::*;
    use crate::domain::problem::Code;
    use crate::domain::problem::{Problem, Warning};
    use crate::domain::site::Site;
    use crate::domain::source::Source;
    use crate::storage::retention::{
        ITEM_COLUMNS, ITEM_INDEX, LOG_ROW_COLUMNS, LOG_ROW_INDEXES, row_cost,
    };
    use crate::verdict::{
        AcceptedItem, AcceptedSource, Enforcement, Reason, RejectedItem, RejectedSource,
        SignatureVerdict,
    };
    use crate::verdict::{SignatureStatus, Verdict};
    use uuid::Uuid;

    fn verdict(accepted: &[(&str, &str)], rejected: &[(&str, &str, Code)]) -> Verdict {
        Verdict {
            id: Uuid::nil(),
            received_at: String::new(),
            enforcement: Enforcement::On,
            signature: SignatureVerdict {
                status: SignatureStatus::Invalid,
                key_id: None,
                key_name: None,
                error: Some(Problem::new(Code::SignatureMismatch, "m", "h")),
                failed_at: None,
                header: None,
            },
            accepted: accepted
                .iter()
                .map(|(label, data)| AcceptedItem {
                    name: None,
                    matched_on: None,
                    label: (*label).to_owned(),
                    data: (*data).to_owned(),
                    kind: "string".to_owned(),
                    source: AcceptedSource::Signed,
                })
                .collect(),
            rejected: rejected
                .iter()
                .map(|(label, data, code)| RejectedItem {
                    name: None,
                    matched_on: None,
                    label: (*label).to_owned(),
                    data: (*data).to_owned(),
                    kind: "string".to_owned(),
                    source: RejectedSource::Unsigned,
                    reason: Reason {
                        code: *code,
                        message: String::new(),
                    },
                })
                .collect(),
            would_reject: Vec::new(),
            warnings: vec![
                Warning::new(Code::UnknownItemField, "w"),
                Warning::new(Code::NotAllowlisted, "again"),
            ],
        }
    }

    #[test]
    fn codes_list_each_code_once_signature_error_first_and_read_back_as_written() {
        let v = verdict(
            &[],
            &[
                ("a", "", Code::NotAllowlisted),
                ("b", "", Code::NotAllowlisted),
                ("c", "", Code::DuplicateLabel),
            ],
        );
        let codes = codes_of(&v);
        assert_eq!(
            codes,
            [
                Code::SignatureMismatch,
                Code::NotAllowlisted,
                Code::DuplicateLabel,
                Code::UnknownItemField
            ]
        );
        let stored = encode_codes(&codes);
        assert_eq!(
            stored,
            r#"["signature_mismatch","not_allowlisted","duplicate_label","unknown_item_field"]"#
        );
        assert_eq!(decode_codes(&stored).unwrap(), codes);
        let mut clean = verdict(&[], &[]);
        clean.signature.error = None;
        clean.warnings.clear();
        assert_eq!(encode_codes(&codes_of(&clean)), "[]");
    }

    #[test]
    fn a_stored_row_that_does_not_decode_is_an_error_not_a_guess() {
        assert!(decode_codes(r#"["no_such_code"]"#).is_err());
        assert!(
            decode_codes(" signature_mismatch ").is_err(),
            "the old format"
        );
        assert!(decode_status("bogus").is_err());
        assert!(decode_source(Some("fax")).is_err());
        assert_eq!(decode_source(None).unwrap(), None);
    }

    #[test]
    fn items_are_kept_whole_accepted_first_and_counted_in_the_rows_bytes() {
        let long = "é".repeat(5000);
        let v = verdict(
            &[("email", "a@b.c"), ("multi\tline", "one\ntwo")],
            &[("page", &long, Code::NotAllowlisted)],
        );
        let items = items_of(&v);
        assert_eq!(items.0.capacity(), items.0.len(), "sized up front");
        let pairs: Vec<(Option<&str>, &str, &str)> = items.iter().collect();
        assert_eq!(
            pairs,
            [
                (None, "email", "a@b.c"),
                (None, "multi\tline", "one\ntwo"),
                (None, "page", long.as_str())
            ]
        );
        let record = NewInteraction {
            id: Uuid::nil(),
            received_at: 0,
            status: "invalid",
            rejected: 1,
            request: "{}".into(),
            verdict: "{}".into(),
            key_used: None,
            key_name: None,
            source: Source::Api,
            engagement: None,
            site: Site::direct(),
            accepted: 2,
            codes: Vec::new(),
            items,
        };
        // The row (a small one), two small items, and one of 10 KB: two overflow pages and half
        // a leaf page. What SQLite lays out, not the text's length.
        let row = row_cost(4 + LOG_ROW_COLUMNS) + LOG_ROW_INDEXES;
        let small = row_cost(10 + ITEM_COLUMNS) + row_cost(17 + ITEM_COLUMNS) + 2 * ITEM_INDEX;
        let large = row_cost(4 + long.len() as u64 + ITEM_COLUMNS) + ITEM_INDEX;
        assert_eq!(record.bytes() as u64, row + small + large);
        assert!((2 * 4096..3 * 4096).contains(&large), "{large}");
    }
}
