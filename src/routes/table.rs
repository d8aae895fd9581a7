//! Every route the server answers, once, in the order actix tries them: method, path, family
//! (what protects it, `kit/family.rs`), handler, and its operation in the API reference. The
//! server mounts exactly these (`kit/mount.rs`), the OpenAPI document lists the documented ones and
//! the refusals their families make, and the tests walk this table to prove each family's guard
//! on every route, so a route added here is served, documented and tested without another list
//! to keep in step. (crates.io's `src/router.rs` is the model.)

use std::sync::OnceLock;

use actix_web::Route;
use serde_json::Value;

use crate::routes::api::{
    api_keys as api_keys_api, engagements as engagements_api, interactions as log_api, openapi,
    signing_keys as keys_api, stream, unsigned_fields as fields_api, verify,
    webhooks as webhooks_api, widget_configs as configs_api,
};
use crate::routes::core_api::{self, interactions as core_interactions};
use crate::routes::kit::family::Family::{self, *};
use crate::routes::kit::mount::{Documentation, Endpoint, Verb};
use crate::routes::portal::{
    api_docs, api_keys, dashboard, demo, docs, engagements, interactions, login, playground,
    signing_keys, unsigned_fields, webhooks, widget_configs,
};
use crate::routes::service::{health, metrics, static_files};
use crate::routes::widget;
use crate::routes::{api, portal};

/// A row without an API reference entry.
const fn row(
    verb: Verb,
    path: &'static str,
    family: Family,
    handler: fn(Route) -> Route,
) -> Endpoint {
    Endpoint {
        verb,
        path,
        family,
        handler,
        doc: None,
    }
}

/// A row the API reference documents.
const fn documented(
    verb: Verb,
    path: &'static str,
    family: Family,
    handler: fn(Route) -> Route,
    doc: Documentation,
) -> Endpoint {
    Endpoint {
        verb,
        path,
        family,
        handler,
        doc: Some(doc),
    }
}

use Verb::{Any, Delete, Get, Options, Patch, Post, Put};

/// The route table. Order matters where paths overlap: a literal segment before a parameter
/// (`/interactions/stream` before `/interactions/{id}`), each family's fallback after its
/// routes, the portal's last of all.
#[rustfmt::skip] // One row a line: the table reads as a table.
pub static ROUTES: &[Endpoint] = &[
    // What customers' pages call. First: the verify endpoint is what runs under load.
    documented(Post, "/api/v1/verify", Open, |r| r.to(verify::verify), openapi::operation::<verify::__path_verify>),
    documented(Options, "/api/v1/verify", Open, |r| r.to(verify::preflight), openapi::operation::<verify::__path_preflight>),
    // The widget a page loads, and what it calls (`/api/ecs/v1`, as Talkative's widget does).
    documented(Get, "/api/ecs/v1/loader/{uuid}.js", Open, |r| r.to(static_files::loader), openapi::operation::<static_files::__path_loader>),
    documented(Get, "/api/ecs/v1/configs/{uuid}", Open, |r| r.to(widget::config), openapi::operation::<widget::__path_config>),
    documented(Post, "/api/ecs/v1/interactions", Open, |r| r.to(widget::start), openapi::operation::<widget::__path_start>),
    documented(Options, "/api/ecs/v1/interactions", Open, |r| r.to(widget::start_preflight), openapi::operation::<widget::__path_start_preflight>),
    documented(Get, "/api/ecs/v1/interactions/{uuid}", Open, |r| r.to(widget::interaction), openapi::operation::<widget::__path_interaction>),
    documented(Post, "/api/ecs/v1/interactions/{uuid}/interaction-data", Open, |r| r.to(widget::append), openapi::operation::<widget::__path_append>),
    documented(Options, "/api/ecs/v1/interactions/{uuid}/interaction-data", Open, |r| r.to(widget::append_preflight), openapi::operation::<widget::__path_append_preflight>),
    documented(Post, "/api/ecs/v1/interactions/{uuid}/feedback", Open, |r| r.to(widget::feedback), openapi::operation::<widget::__path_feedback>),
    documented(Options, "/api/ecs/v1/interactions/{uuid}/feedback", Open, |r| r.to(widget::feedback_preflight), openapi::operation::<widget::__path_feedback_preflight>),
    documented(Post, "/api/ecs/v1/interactions/{uuid}/fulfilment", Open, |r| r.to(widget::fulfilment), openapi::operation::<widget::__path_fulfilment>),
    documented(Options, "/api/ecs/v1/interactions/{uuid}/fulfilment", Open, |r| r.to(widget::fulfilment_preflight), openapi::operation::<widget::__path_fulfilment_preflight>),
    row(Any, "/api/ecs/v1/{tail:.*}", Open, |r| r.to(api::not_found)),
    // Talkative's Core API, for customers' backends (a Core API key, JSON:API).
    documented(Get, "/api/core/v1/interactions", CoreApi, |r| r.to(core_interactions::list), openapi::operation::<core_interactions::__path_list>),
    documented(Get, "/api/core/v1/interactions/{id}", CoreApi, |r| r.to(core_interactions::get), openapi::operation::<core_interactions::__path_get>),
    documented(Get, "/api/core/v1/interactions/{id}/interactionData", CoreApi, |r| r.to(core_interactions::data), openapi::operation::<core_interactions::__path_data>),
    documented(Get, "/api/core/v1/interactions/{id}/relationships/interactionData", CoreApi, |r| r.to(core_interactions::relationship), openapi::operation::<core_interactions::__path_relationship>),
    documented(Post, "/api/core/v1/interactions/{uuid}/interaction-data", CoreApi, |r| r.to(core_interactions::create_data), openapi::operation::<core_interactions::__path_create_data>),
    row(Any, "/api/core/v1/{tail:.*}", CoreApi, |r| r.to(core_api::not_found)),
    // The management API.
    documented(Get, "/api/v1/openapi.json", Management, |r| r.to(openapi::serve), openapi::operation::<openapi::__path_serve>),
    documented(Post, "/api/v1/reset", Management, |r| r.to(api::reset), openapi::operation::<api::__path_reset>),
    documented(Get, "/api/v1/interactions", Management, |r| r.to(log_api::list), openapi::operation::<log_api::__path_list>),
    documented(Delete, "/api/v1/interactions", Management, |r| r.to(log_api::clear), openapi::operation::<log_api::__path_clear>),
    documented(Get, "/api/v1/interactions/stream", Management, |r| r.to(stream::stream), openapi::operation::<stream::__path_stream>),
    documented(Get, "/api/v1/interactions/{id}", Management, |r| r.to(log_api::get), openapi::operation::<log_api::__path_get>),
    documented(Get, "/api/v1/signing-keys", Management, |r| r.to(keys_api::list), openapi::operation::<keys_api::__path_list>),
    documented(Post, "/api/v1/signing-keys", Management, |r| r.to(keys_api::create), openapi::operation::<keys_api::__path_create>),
    documented(Get, "/api/v1/signing-keys/{id}", Management, |r| r.to(keys_api::get), openapi::operation::<keys_api::__path_get>),
    documented(Patch, "/api/v1/signing-keys/{id}", Management, |r| r.to(keys_api::update), openapi::operation::<keys_api::__path_update>),
    documented(Delete, "/api/v1/signing-keys/{id}", Management, |r| r.to(keys_api::delete), openapi::operation::<keys_api::__path_delete>),
    documented(Get, "/api/v1/unsigned-fields", Management, |r| r.to(fields_api::list), openapi::operation::<fields_api::__path_list>),
    documented(Post, "/api/v1/unsigned-fields", Management, |r| r.to(fields_api::create), openapi::operation::<fields_api::__path_create>),
    documented(Delete, "/api/v1/unsigned-fields/{label}", Management, |r| r.to(fields_api::delete), openapi::operation::<fields_api::__path_delete>),
    documented(Get, "/api/v1/widget-configs", Management, |r| r.to(configs_api::list), openapi::operation::<configs_api::__path_list>),
    documented(Post, "/api/v1/widget-configs", Management, |r| r.to(configs_api::create), openapi::operation::<configs_api::__path_create>),
    documented(Get, "/api/v1/widget-configs/{uuid}", Management, |r| r.to(configs_api::get), openapi::operation::<configs_api::__path_get>),
    documented(Delete, "/api/v1/widget-configs/{uuid}", Management, |r| r.to(configs_api::delete), openapi::operation::<configs_api::__path_delete>),
    documented(Put, "/api/v1/widget-configs/{uuid}/queues/{queue}/status", Management, |r| r.to(configs_api::set_queue_status), openapi::operation::<configs_api::__path_set_queue_status>),
    documented(Get, "/api/v1/engagements", Management, |r| r.to(engagements_api::list), openapi::operation::<engagements_api::__path_list>),
    documented(Get, "/api/v1/engagements/{uuid}", Management, |r| r.to(engagements_api::get), openapi::operation::<engagements_api::__path_get>),
    documented(Post, "/api/v1/engagements/{uuid}/end", Management, |r| r.to(engagements_api::end), openapi::operation::<engagements_api::__path_end>),
    documented(Post, "/api/v1/engagements/{uuid}/complete", Management, |r| r.to(engagements_api::complete), openapi::operation::<engagements_api::__path_complete>),
    documented(Post, "/api/v1/engagements/{uuid}/fulfilment", Management, |r| r.to(engagements_api::fulfilment), openapi::operation::<engagements_api::__path_fulfilment>),
    documented(Get, "/api/v1/api-keys", Management, |r| r.to(api_keys_api::list), openapi::operation::<api_keys_api::__path_list>),
    documented(Post, "/api/v1/api-keys", Management, |r| r.to(api_keys_api::create), openapi::operation::<api_keys_api::__path_create>),
    documented(Get, "/api/v1/api-keys/{id}", Management, |r| r.to(api_keys_api::get), openapi::operation::<api_keys_api::__path_get>),
    documented(Delete, "/api/v1/api-keys/{id}", Management, |r| r.to(api_keys_api::revoke), openapi::operation::<api_keys_api::__path_revoke>),
    documented(Get, "/api/v1/webhooks", Management, |r| r.to(webhooks_api::list), openapi::operation::<webhooks_api::__path_list>),
    documented(Post, "/api/v1/webhooks", Management, |r| r.to(webhooks_api::create), openapi::operation::<webhooks_api::__path_create>),
    documented(Get, "/api/v1/webhooks/{id}", Management, |r| r.to(webhooks_api::get), openapi::operation::<webhooks_api::__path_get>),
    documented(Delete, "/api/v1/webhooks/{id}", Management, |r| r.to(webhooks_api::delete), openapi::operation::<webhooks_api::__path_delete>),
    documented(Post, "/api/v1/webhooks/{id}/test", Management, |r| r.to(webhooks_api::test), openapi::operation::<webhooks_api::__path_test>),
    documented(Get, "/api/v1/webhook-deliveries", Management, |r| r.to(webhooks_api::deliveries), openapi::operation::<webhooks_api::__path_deliveries>),
    documented(Get, "/api/v1/webhook-deliveries/{id}", Management, |r| r.to(webhooks_api::delivery), openapi::operation::<webhooks_api::__path_delivery>),
    documented(Post, "/api/v1/webhook-deliveries/{id}/redeliver", Management, |r| r.to(webhooks_api::redeliver), openapi::operation::<webhooks_api::__path_redeliver>),
    row(Any, "/api/v1/{tail:.*}", Management, |r| r.to(api::not_found)),
    documented(Get, "/metrics", Management, |r| r.to(metrics::metrics), openapi::operation::<metrics::__path_metrics>),
    // Anyone on this machine: health checks, files (the widget shim among them).
    documented(Get, "/health", Public, |r| r.to(health::health), openapi::operation::<health::__path_health>),
    row(Get, "/static/{file}", Public, |r| r.to(static_files::serve)),
    row(Get, "/favicon.ico", Public, |r| r.to(static_files::favicon)),
    // Signing in.
    row(Get, "/login", SignIn, |r| r.to(login::show)),
    row(Post, "/login", SignIn, |r| r.to(login::submit)),
    // The portal.
    row(Get, "/", Portal, |r| r.to(dashboard::show)),
    row(Post, "/logout", Portal, |r| r.to(login::logout)),
    row(Get, "/signing-keys", Portal, |r| r.to(signing_keys::show)),
    row(Post, "/signing-keys", Portal, |r| r.to(signing_keys::add)),
    row(Post, "/signing-keys/{id}/active", Portal, |r| r.to(signing_keys::set_active)),
    row(Get, "/signing-keys/{id}/delete", Portal, |r| r.to(signing_keys::confirm_delete)),
    row(Post, "/signing-keys/{id}/delete", Portal, |r| r.to(signing_keys::delete)),
    row(Get, "/unsigned-fields", Portal, |r| r.to(unsigned_fields::show)),
    row(Post, "/unsigned-fields", Portal, |r| r.to(unsigned_fields::add)),
    row(Post, "/unsigned-fields/remove", Portal, |r| r.to(unsigned_fields::remove)),
    row(Get, "/playground", Portal, |r| r.to(playground::show)),
    row(Post, "/playground", Portal, |r| r.to(playground::run)),
    row(Post, "/playground/preview", PortalLive, |r| r.to(playground::preview)),
    row(Post, "/playground/sample", Portal, |r| r.to(playground::sample)),
    row(Get, "/playground/{id}", Portal, |r| r.to(playground::result)),
    row(Get, "/interactions", Portal, |r| r.to(interactions::list)),
    // The API's stream behind the portal's session: EventSource cannot send a Bearer token.
    row(Get, "/interactions/stream", PortalLive, |r| r.to(stream::stream)),
    row(Get, "/interactions/section", PortalLive, |r| r.to(interactions::section)),
    row(Get, "/interactions/clear", Portal, |r| r.to(interactions::confirm_clear)),
    row(Post, "/interactions/clear", Portal, |r| r.to(interactions::clear)),
    row(Get, "/interactions/{id}", Portal, |r| r.to(interactions::detail)),
    row(Post, "/interactions/{id}/delete", Portal, |r| r.to(interactions::delete)),
    row(Get, "/widget-configs", Portal, |r| r.to(widget_configs::show)),
    row(Post, "/widget-configs", Portal, |r| r.to(widget_configs::save)),
    row(Post, "/widget-configs/{uuid}/queues/{queue}/status", Portal, |r| r.to(widget_configs::set_queue_status)),
    row(Get, "/widget-configs/{uuid}/delete", Portal, |r| r.to(widget_configs::confirm_delete)),
    row(Post, "/widget-configs/{uuid}/delete", Portal, |r| r.to(widget_configs::delete)),
    row(Get, "/api-keys", Portal, |r| r.to(api_keys::show)),
    row(Post, "/api-keys", Portal, |r| r.to(api_keys::create)),
    row(Get, "/api-keys/{id}/revoke", Portal, |r| r.to(api_keys::confirm_revoke)),
    row(Post, "/api-keys/{id}/revoke", Portal, |r| r.to(api_keys::revoke)),
    row(Get, "/webhooks", Portal, |r| r.to(webhooks::show)),
    row(Post, "/webhooks", Portal, |r| r.to(webhooks::add)),
    row(Post, "/webhooks/{id}/test", Portal, |r| r.to(webhooks::test)),
    row(Get, "/webhooks/{id}/delete", Portal, |r| r.to(webhooks::confirm_delete)),
    row(Post, "/webhooks/{id}/delete", Portal, |r| r.to(webhooks::delete)),
    row(Get, "/webhooks/deliveries/{id}", Portal, |r| r.to(webhooks::delivery)),
    row(Post, "/webhooks/deliveries/{id}/redeliver", Portal, |r| r.to(webhooks::redeliver)),
    row(Get, "/engagements", Portal, |r| r.to(engagements::list)),
    row(Get, "/engagements/{uuid}", Portal, |r| r.to(engagements::detail)),
    row(Post, "/engagements/{uuid}/end", Portal, |r| r.to(engagements::end)),
    row(Post, "/engagements/{uuid}/complete", Portal, |r| r.to(engagements::complete)),
    row(Post, "/engagements/{uuid}/fulfilment", Portal, |r| r.to(engagements::fulfilment)),
    row(Get, "/demo", Portal, |r| r.to(demo::show)),
    row(Get, "/docs/signing", Portal, |r| r.to(docs::signing)),
    row(Get, "/docs/api", Portal, |r| r.to(api_docs::show)),
    row(Any, "/{tail:.*}", Portal, |r| r.to(portal::not_found)),
];

/// Mounts every route of the table on `config`.
pub fn configure(config: &mut actix_web::web::ServiceConfig) {
    for endpoint in ROUTES {
        crate::routes::kit::mount::mount(config, endpoint);
    }
}

/// The row that answers `method` on `path`, as actix would pick it.
pub fn route_for(method: &actix_web::http::Method, path: &str) -> Option<&'static Endpoint> {
    ROUTES
        .iter()
        .find(|endpoint| endpoint.matches(method, path))
}

/// The API reference for this table, built once.
pub fn api_document() -> &'static Value {
    static DOCUMENT: OnceLock<Value> = OnceLock::new();
    DOCUMENT.get_or_init(|| openapi::build(ROUTES))
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use serde_json::json;

    use super::*;
    use crate::domain::problem::Code;

    /// The attribute on each documented handler names a path and a method; they are the row's,
    /// so the document cannot describe a route other than the one mounted.
    #[test]
    fn each_documented_row_is_what_its_attribute_describes() {
        for endpoint in ROUTES {
            let Some(doc) = endpoint.doc else { continue };
            let documented = doc(&mut Vec::new());
            assert_eq!(documented.path, endpoint.path);
            let method = endpoint
                .verb
                .method()
                .unwrap()
                .as_str()
                .to_ascii_lowercase();
            let methods: Vec<String> = documented
                .methods
                .iter()
                .map(|m| {
                    serde_json::to_value(m)
                        .unwrap()
                        .as_str()
                        .unwrap()
                        .to_owned()
                })
                .collect();
            assert_eq!(methods, [method], "{}", endpoint.path);
        }
    }

    #[test]
    fn no_two_rows_answer_the_same_request() {
        let mut seen = HashSet::new();
        for endpoint in ROUTES {
            assert!(
                seen.insert((endpoint.path, endpoint.verb.method())),
                "{:?} {} twice",
                endpoint.verb,
                endpoint.path
            );
        }
    }

    #[test]
    fn fallbacks_come_after_the_routes_they_catch() {
        for (index, endpoint) in ROUTES.iter().enumerate() {
            let Some(prefix) = endpoint.path.strip_suffix("{tail:.*}") else {
                continue;
            };
            for later in &ROUTES[index + 1..] {
                assert!(
                    !later.path.starts_with(prefix) || later.family != endpoint.family,
                    "{} is shadowed by the fallback {}",
                    later.path,
                    endpoint.path
                );
            }
        }
        assert_eq!(ROUTES.last().unwrap().path, "/{tail:.*}");
    }

    fn properties(schema: &str) -> Vec<String> {
        let schema = &api_document()["components"]["schemas"][schema];
        assert_eq!(schema["additionalProperties"], false, "{schema}");
        schema["properties"]
            .as_object()
            .map(|p| p.keys().cloned().collect())
            .unwrap_or_default()
    }

    /// The bodies are typed: what serde takes is what the schema lists, closed to others.
    #[test]
    fn request_bodies_are_closed_objects_of_their_members() {
        for (schema, members) in [
            ("NewSigningKey", &["name", "pem"][..]),
            ("SigningKeyChanges", &["active", "name"]),
            ("NewUnsignedField", &["label"]),
            ("NoOptions", &[]),
            (
                "VerifyRequest",
                &["signedInteractionData", "interactionData"],
            ),
        ] {
            assert_eq!(properties(schema), members, "{schema}");
        }
    }

    #[test]
    fn the_documented_item_has_the_members_of_an_item_and_admits_others() {
        let item = crate::domain::InteractionItem {
            name: Some("n".into()),
            label: "l".into(),
            data: "d".into(),
            kind: "string".into(),
        };
        let members: Vec<String> = serde_json::to_value(item)
            .unwrap()
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        let documented = &api_document()["components"]["schemas"]["InteractionItem"];
        let properties: Vec<String> = documented["properties"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        assert_eq!(properties, members);
        assert_eq!(documented["required"], json!(["label", "data", "type"]));
        assert!(
            documented.get("additionalProperties").is_none(),
            "{documented}"
        );
    }

    #[test]
    fn the_code_schema_is_every_code() {
        let listed = &api_document()["components"]["schemas"]["Code"]["enum"];
        let codes: Vec<&str> = Code::ALL.iter().map(|code| code.as_str()).collect();
        assert_eq!(listed, &json!(codes));
    }

    #[test]
    fn operation_ids_are_unique_and_every_operation_answers_errors_as_its_family_does() {
        let mut ids = HashSet::new();
        for (path, item) in api_document()["paths"].as_object().unwrap() {
            for (method, operation) in item.as_object().unwrap() {
                let id = operation["operationId"].as_str().unwrap();
                assert!(ids.insert(id.to_owned()), "{id} twice");
                for (status, response) in operation["responses"].as_object().unwrap() {
                    if status.starts_with('4') || status.starts_with('5') {
                        let schema = &response["content"]["application/json"]["schema"];
                        let family = ROUTES
                            .iter()
                            .find(|e| e.path == path)
                            .map(|e| e.family)
                            .unwrap();
                        let wanted = format!("#/components/schemas/{}", family.error_schema());
                        let is_error =
                            schema["$ref"] == wanted || (path == "/health" && status == "503");
                        assert!(is_error, "{method} {path} {status}: {response}");
                    }
                }
            }
        }
    }

    /// Every documented row is in the document, and nothing else is.
    #[test]
    fn the_document_lists_exactly_the_documented_rows() {
        let documented: usize = ROUTES.iter().filter(|e| e.doc.is_some()).count();
        let operations: usize = api_document()["paths"]
            .as_object()
            .unwrap()
            .values()
            .map(|item| item.as_object().unwrap().len())
            .sum();
        assert_eq!(operations, documented);
    }
}
