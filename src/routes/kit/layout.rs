//! What every page's shared layout (templates/base.html) is given: the error page (a refusal's
//! rendering) and the portal's pages alike.

use crate::routes::kit::flash::Flash;

/// What the shared layout (templates/base.html) needs from every page.
pub struct Layout {
    pub page: &'static str,
    pub csrf_token: String,
    pub flash: Option<Flash>,
    /// Whether to offer "Log out": an admin password is set and this page is behind it.
    pub signed_in: bool,
}
