//! What every page's shared layout (templates/base.html) is given: the error page (a refusal's
//! rendering) and the portal's pages alike, and the portal's menu.

use crate::routes::kit::flash::Flash;

/// What the shared layout (templates/base.html) needs from every page.
pub struct Layout {
    /// The page it is, for the menu (`None`: an error page, which is none of them).
    pub page: Option<Page>,
    pub csrf_token: String,
    pub flash: Option<Flash>,
    /// Whether to offer "Log out": an admin password is set and this page is behind it.
    pub signed_in: bool,
}

impl Layout {
    /// Whether the menu shows `item` as the page the reader is on.
    pub fn is_current(&self, item: &Page) -> bool {
        self.page == Some(*item)
    }

    /// The login form has no menu: nothing else opens before it.
    pub fn shows_menu(&self) -> bool {
        self.page != Some(Page::Login)
    }
}

/// The portal's pages, as its menu lists them (and the login form, which it does not).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Page {
    Dashboard,
    SigningKeys,
    UnsignedFields,
    Playground,
    Interactions,
    Engagements,
    WidgetConfigs,
    ApiKeys,
    Webhooks,
    Demo,
    Docs,
    ApiDocs,
    Login,
}

impl Page {
    /// The menu, in its order.
    pub const MENU: [Page; 12] = [
        Page::Dashboard,
        Page::SigningKeys,
        Page::UnsignedFields,
        Page::Playground,
        Page::Interactions,
        Page::Engagements,
        Page::WidgetConfigs,
        Page::ApiKeys,
        Page::Webhooks,
        Page::Demo,
        Page::Docs,
        Page::ApiDocs,
    ];

    pub fn path(self) -> &'static str {
        match self {
            Page::Dashboard => "/",
            Page::SigningKeys => "/signing-keys",
            Page::UnsignedFields => "/unsigned-fields",
            Page::Playground => "/playground",
            Page::Interactions => "/interactions",
            Page::Engagements => "/engagements",
            Page::WidgetConfigs => "/widget-configs",
            Page::ApiKeys => "/api-keys",
            Page::Webhooks => "/webhooks",
            Page::Demo => "/demo",
            Page::Docs => "/docs/signing",
            Page::ApiDocs => "/docs/api",
            Page::Login => "/login",
        }
    }

    /// Its name in the menu.
    pub fn title(self) -> &'static str {
        match self {
            Page::Dashboard => "Dashboard",
            Page::SigningKeys => "Signing Keys",
            Page::UnsignedFields => "Unsigned fields",
            Page::Playground => "Playground",
            Page::Interactions => "Interactions",
            Page::Engagements => "Engagements",
            Page::WidgetConfigs => "Widgets",
            Page::ApiKeys => "API Keys",
            Page::Webhooks => "Webhooks",
            Page::Demo => "Demo",
            Page::Docs => "Snippets",
            Page::ApiDocs => "API",
            Page::Login => "Log in",
        }
    }
}
