//! HTTP, in floors. At the bottom the shared [`kit`]: reading bodies, the route families and the
//! guard that checks them, mounting a route, the one refusal type and its renderers, the trust
//! boundary, CSRF, pages' layout, security headers, the panic catcher. Over it the front ends,
//! side by side, each importing the kit and `app` and never another front end: the management
//! API ([`api`]), the widget's endpoints ([`widget`]), Talkative's Core API ([`core_api`]), the
//! portal's pages ([`portal`]) and the service routes ([`service`]: health, metrics, static
//! files). On top, [`table`]: every route once, mounted in its family's guard.
//! `python3 scripts/module-graph.py --depth 2 --siblings` holds the floors to this plan.

pub mod api;
pub mod core_api;
pub mod kit;
pub mod portal;
pub mod service;
pub mod table;
pub mod widget;
