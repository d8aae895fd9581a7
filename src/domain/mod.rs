//! Pure types and rules: no I/O here. Each type parses its input or refuses it with a
//! [`problem::Problem`] that names a stable [`problem::Code`] and says how to fix it.

pub mod api_key;
pub mod engagement;
pub mod fulfilment;
pub mod interaction;
pub mod item_json;
pub mod key_name;
pub mod pem;
pub mod problem;
pub mod signing_key;
pub mod site;
pub mod source;
pub mod unsigned_field_label;
pub mod webhook;
pub mod widget_config;

pub use interaction::{InteractionItem, ItemMember};
pub use key_name::KeyName;
pub use signing_key::SigningKey;
pub use unsigned_field_label::UnsignedFieldLabel;
pub use widget_config::WidgetConfig;
