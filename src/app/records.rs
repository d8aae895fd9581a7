//! What the operations hand the front ends: the records they show and the filters and positions
//! they page the log with. Front ends name these through `app`, never `storage` (the module graph
//! refuses a `routes → storage` arrow), so how a record is read and kept can change under them
//! without touching a handler.

pub use crate::storage::api_keys::StoredApiKey;
pub use crate::storage::engagements::{Arrival, DroppedItem, StoredEngagement, ViewItem};
pub use crate::storage::interactions::{Browse, BrowseRow, Filter, Position, StoredInteraction};
pub use crate::storage::signing_keys::StoredKey;
pub use crate::storage::unsigned_fields::StoredField;
pub use crate::storage::webhooks::{
    DeliveryFilter, DeliveryState, Event, StoredAttempt, StoredDelivery, StoredWebhook,
};
