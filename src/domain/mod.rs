//! Pure types and rules: no I/O here.

pub mod interaction;
pub mod pem;
pub mod policy;
pub mod signing_key;
pub mod unsigned_field_label;
pub mod verdict;

pub use interaction::InteractionItem;
pub use signing_key::SigningKey;
pub use unsigned_field_label::UnsignedFieldLabel;
