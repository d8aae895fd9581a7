//! What an interaction carried, in the two forms the log keeps besides its request and verdict:
//! its items (each name, label and data whole, in `interaction_items`) and its codes (a JSON
//! array in `verdict_codes`). One encoder and one decoder each: [`codes_of`]/[`items_of`] make
//! them from a verdict, [`decode_codes`] reads codes back, and a stored name that is no code is
//! an error, never a guess.

use crate::domain::problem::Code;
use crate::verdict::Verdict;

/// The items an interaction carried, waiting in the recorder's buffer (thousands of records
/// under load): one allocation however many items, each item its name, label and data, each
/// as its length (4 bytes, little-endian; `u32::MAX` for no name) then its bytes. With a
/// `String` per label and data the load test's peak RSS rose by a quarter. Made by
/// [`items_of`], read by [`Self::iter`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CarriedItems(pub(super) Vec<u8>);

/// The length that marks a missing name.
const NO_TEXT: u32 = u32::MAX;

/// An item as the recorder writes it: `(name, label, data)`.
pub type ItemText<'a> = (Option<&'a str>, &'a str, &'a str);

impl CarriedItems {
    /// `(name, label, data)` of each item, in order.
    pub fn iter(&self) -> impl Iterator<Item = ItemText<'_>> {
        let mut offset = 0;
        std::iter::from_fn(move || {
            let (item, next) = self.at(offset)?;
            offset = next;
            Some(item)
        })
    }

    /// The item that starts at `offset` (0 for the first), and where the next one starts.
    pub(in crate::storage) fn at(&self, offset: usize) -> Option<(ItemText<'_>, usize)> {
        let rest = self.0.get(offset..)?;
        let (name, after_name) = Self::next_text(rest)?;
        let (label, after_label) = Self::next_text(after_name)?;
        let (data, after_data) = Self::next_text(after_label)?;
        Some(((name, label?, data?), self.0.len() - after_data.len()))
    }

    /// A length-prefixed text at the start of `bytes` (`None` for the no-text mark), and what
    /// follows it.
    fn next_text(bytes: &[u8]) -> Option<(Option<&str>, &[u8])> {
        let (length, rest) = bytes.split_first_chunk::<4>()?;
        let length = u32::from_le_bytes(*length);
        if length == NO_TEXT {
            return Some((None, rest));
        }
        let (text, rest) = rest.split_at_checked(length as usize)?;
        // Written from `&str`s by `items_of` only.
        Some((Some(std::str::from_utf8(text).ok()?), rest))
    }

    pub(in crate::storage) fn push_text(&mut self, text: Option<&str>) {
        // An item's members are far under 4 GiB (a body is at most a few MiB).
        let length = text.map_or(NO_TEXT, |text| {
            u32::try_from(text.len()).unwrap_or(NO_TEXT - 1)
        });
        self.0.extend_from_slice(&length.to_le_bytes());
        self.0
            .extend_from_slice(text.unwrap_or_default().as_bytes());
    }

    /// How many items.
    pub fn count(&self) -> usize {
        self.iter().count()
    }

    /// The bytes of their names, labels and data.
    pub fn bytes(&self) -> usize {
        self.iter()
            .map(|(name, label, data)| name.map_or(0, str::len) + label.len() + data.len())
            .sum()
    }
}

/// An item an interaction carried, as a browsed row previews it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CarriedItem {
    pub name: Option<String>,
    pub label: String,
    pub data: String,
}

/// The codes an interaction's verdict carries, each once: the signature's error, then each
/// rejection reason, then each warning.
pub fn codes_of(verdict: &Verdict) -> Vec<Code> {
    let all = (verdict.signature.error.iter().map(|p| p.code))
        .chain(verdict.rejected.iter().map(|r| r.reason.code))
        .chain(verdict.warnings.iter().map(|w| w.code));
    let mut codes: Vec<Code> = Vec::new();
    for code in all {
        if !codes.contains(&code) {
            codes.push(code);
        }
    }
    codes
}

/// What an interaction carried: its accepted items, then its rejected ones, whole.
pub fn items_of(verdict: &Verdict) -> CarriedItems {
    let accepted = (verdict.accepted.iter()).map(|a| (a.name.as_deref(), &a.label, &a.data));
    let rejected = (verdict.rejected.iter()).map(|r| (r.name.as_deref(), &r.label, &r.data));
    let all = accepted.chain(rejected);
    let size = all
        .clone()
        .map(|(name, label, data)| 12 + name.map_or(0, str::len) + label.len() + data.len())
        .sum();
    let mut items = CarriedItems(Vec::with_capacity(size));
    for (name, label, data) in all {
        items.push_text(name);
        items.push_text(Some(label));
        items.push_text(Some(data));
    }
    items
}

/// `verdict_codes` as stored: a JSON array of code names. The one encoder.
pub(in crate::storage) fn encode_codes(codes: &[Code]) -> String {
    // A list of unit variants that serialize as strings cannot fail to serialize.
    serde_json::to_string(codes).unwrap_or_else(|_| "[]".to_owned())
}

/// `verdict_codes` as read back. The one decoder: a name that is no code is an error.
pub(super) fn decode_codes(stored: &str) -> Result<Vec<Code>, sqlx::Error> {
    serde_json::from_str(stored).map_err(|e| sqlx::Error::Decode(Box::new(e)))
}
