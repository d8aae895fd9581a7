//! The API reference: an OpenAPI 3.1 document built from the route table's documented rows
//! (`routes/table.rs`): each one's `#[utoipa::path]` attribute and the `ToSchema` types it
//! answers with, so it describes what the code does and lists exactly the routes the server
//! mounts. Served at `GET /api/v1/openapi.json`, rendered at `/docs/api`, and the test suite
//! checks every JSON answer it gets against it (tests/helpers/contract.rs).
//!
//! The refusals a route's family guard makes (rebound Host, cross-site request, missing
//! password, a write that is not JSON) are added here from the family's properties
//! (`routes/kit/family.rs`) rather than repeated on each handler.

use actix_web::HttpResponse;
use actix_web::web::Data;
use serde_json::{Map, Value, json};
use utoipa::OpenApi;
use utoipa::openapi::RefOr;
use utoipa::openapi::path::Paths;
use utoipa::openapi::schema::Schema;

use super::stream;
use crate::domain::problem::Code;
use crate::routes::kit::family::{Credential, Family};
use crate::routes::kit::mount::{DocumentedOperation, Endpoint, Verb};
use crate::routes::kit::state::WebState;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "talkative-emulator",
        description = "A local emulator of Talkative's Signed Interaction Data: verify what a \
            widget would send (`POST /api/v1/verify`), manage the signing keys and unsigned \
            fields the verdict depends on, and read or wait for the interaction log. Every \
            refusal is an `Error` with a stable `code`, a `message` and a `hint`.",
        license(name = "MIT OR Apache-2.0"),
    ),
    components(schemas(stream::InteractionEvent, stream::RemovedEvent, stream::DeliveryEvent, Code)),
    tags(
        (name = "Verify", description = "What Talkative does with a widget's interaction data."),
        (name = "Signing keys", description = "The public keys tokens are verified with (the Signing Keys page)."),
        (name = "Unsigned fields", description = "Labels kept unsigned once signing is on (the Unsigned fields page)."),
        (name = "Interaction log", description = "Every verification, as recorded: list, wait, stream, clear."),
        (name = "Widget configs", description = "Chat widget configs (the Widget configs page): actions, queues and their presence, pre-chat fields."),
        (name = "Engagements", description = "Interactions that last (what Talkative calls interactions), as the agent's side sees them: end, complete, what the agent sees."),
        (name = "Widget", description = "What the widget a page loads calls, open to any origin like the verify endpoint."),
        (name = "API keys", description = "Core API keys (the API Keys page): each opens `/api/core/v1`, and nothing else."),
        (name = "Webhooks", description = "Generic CRM webhooks (the Webhooks page): Talkative calling your backend when an interaction completes, through a durable outbox with a delivery log."),
        (name = "Core API", description = "Talkative's Core API (`/api/core/v1`), emulated for customers' backends: JSON:API, a Core API key as `Authorization: Bearer`."),
        (name = "Service", description = "Health, metrics, reset, this document."),
    )
)]
struct ApiDoc;

/// A documented row's operation, from its handler's `#[utoipa::path]` (`P`, the type the
/// attribute generates): tags included, and the schemas it refers to collected for the
/// components, as utoipa's own `#[openapi(paths(...))]` does.
pub fn operation<P>(schemas: &mut Vec<(String, RefOr<Schema>)>) -> DocumentedOperation
where
    P: utoipa::Path + utoipa::__dev::SchemaReferences + for<'t> utoipa::__dev::Tags<'t>,
{
    <P as utoipa::__dev::SchemaReferences>::schemas(schemas);
    let mut operation = P::operation();
    let tags = <P as utoipa::__dev::Tags>::tags();
    operation
        .tags
        .get_or_insert_with(Vec::new)
        .extend(tags.into_iter().map(str::to_owned));
    DocumentedOperation {
        path: P::path(),
        methods: P::methods(),
        operation,
    }
}

#[utoipa::path(
    get,
    path = "/api/v1/openapi.json",
    operation_id = "openapi",
    tag = "Service",
    responses((status = 200, description = "This document (OpenAPI 3.1).", body = Object))
)]
pub async fn serve(state: Data<WebState>) -> HttpResponse {
    HttpResponse::Ok().json(state.api_document)
}

/// A refusal a family's guard may make, documented on every operation of that family.
struct Refusal {
    status: &'static str,
    description: &'static str,
    /// Whether this family's guard makes it on this method.
    applies: fn(Family, &str) -> bool,
}

const REFUSALS: &[Refusal] = &[
    Refusal {
        status: "401",
        description: "`unauthorized`: an admin password is set and the request has no \
            `Authorization: Bearer` with it.",
        applies: |family, _| family.credential() == Credential::Password,
    },
    Refusal {
        status: "429",
        description: "`rate_limited`: too many wrong admin passwords from this client; see \
            `Retry-After`.",
        applies: |family, _| family.credential() == Credential::Password,
    },
    Refusal {
        status: "401",
        description: "`unauthorized`: no `Authorization: Bearer` with a Core API key's token, or \
            the key is unknown or revoked (the admin password does not open the Core API).",
        applies: |family, _| family.credential() == Credential::ApiKey,
    },
    Refusal {
        status: "429",
        description: "`rate_limited`: too many requests with this API key \
            (`--core-api-rate-limit`); see `Retry-After`.",
        applies: |family, _| family.credential() == Credential::ApiKey,
    },
    Refusal {
        status: "403",
        description: "`host_not_allowed` (a name other than the allowed hosts, as DNS rebinding \
            sends), or `cross_site_request` (a management call from another site's page).",
        applies: |family, _| family.checks_host(),
    },
    Refusal {
        status: "415",
        description: "`unsupported_media_type`: a write whose body is not `application/json` \
            (a DELETE may send no body at all).",
        applies: |family, method| {
            family.writes_json() && matches!(method, "post" | "patch" | "put" | "delete")
        },
    },
    Refusal {
        status: "500",
        description: "`internal_error`: the emulator hit an unexpected error (logged).",
        applies: |_, method| method != "options",
    },
];

/// The document for the table's documented rows, in table order.
pub fn build(table: &[Endpoint]) -> Value {
    let mut document = ApiDoc::openapi();
    let mut schemas = Vec::new();
    let mut paths = Paths::new();
    let mut families = Vec::new();
    for (endpoint, doc) in table.iter().filter_map(|e| Some((e, e.doc?))) {
        let documented = doc(&mut schemas);
        // The table's path and method, which are what the server mounts (a unit test holds the
        // attribute's to them).
        paths.add_path_operation(
            endpoint.path,
            vec![http_method(endpoint.verb)],
            documented.operation,
        );
        families.push((endpoint.path, http_method(endpoint.verb), endpoint.family));
    }
    document.paths = paths;
    let components = document.components.get_or_insert_with(Default::default);
    for (name, schema) in schemas {
        components.schemas.entry(name).or_insert(schema);
    }
    let mut document =
        serde_json::to_value(document).expect("an OpenAPI document is plain data and serializes");
    for (path, method, family) in families {
        let method = serde_json::to_value(&method)
            .ok()
            .and_then(|m| m.as_str().map(str::to_owned))
            .unwrap_or_default();
        let operation = &mut document["paths"][path][&method];
        let error = json!({ "$ref": format!("#/components/schemas/{}", family.error_schema()) });
        add_refusals(family, &method, operation, &error);
        if family == Family::CoreApi {
            offer_json_api_media_type(operation);
        }
    }
    // Items: the type's derive refuses other members (the verify endpoint's fast path), but the
    // endpoint then accepts them with an `unknown_item_field` warning, so the document says open.
    if let Some(item) = document["components"]["schemas"]["InteractionItem"].as_object_mut() {
        item.remove("additionalProperties");
    }
    // Open on loopback when no password is set; the Bearer password otherwise. Operations
    // that never ask for it say `security: [{}]`.
    document["components"]["securitySchemes"] = json!({
        "adminPassword": {
            "type": "http",
            "scheme": "bearer",
            "description": "The admin password (TALKATIVE_ADMIN_PASSWORD), when one is set."
        },
        "coreApiKey": {
            "type": "http",
            "scheme": "bearer",
            "description": "A Core API key's token (the API Keys page, POST /api/v1/api-keys, \
                or the config file's [[api_keys]]). Opens the Core API only."
        }
    });
    document["security"] = json!([{}, { "adminPassword": [] }]);
    document
}

fn http_method(verb: Verb) -> utoipa::openapi::path::HttpMethod {
    use utoipa::openapi::path::HttpMethod;
    match verb {
        Verb::Get | Verb::Any => HttpMethod::Get,
        Verb::Post => HttpMethod::Post,
        Verb::Put => HttpMethod::Put,
        Verb::Patch => HttpMethod::Patch,
        Verb::Delete => HttpMethod::Delete,
        Verb::Options => HttpMethod::Options,
    }
}

fn add_refusals(family: Family, method: &str, operation: &mut Value, error: &Value) {
    let Some(responses) = operation["responses"].as_object_mut() else {
        return;
    };
    for refusal in REFUSALS {
        if (refusal.applies)(family, method) {
            responses
                .entry(refusal.status)
                .or_insert_with(|| response(refusal.description, error));
        }
    }
    // In status order, as a reader looks for them.
    let mut sorted: Vec<(String, Value)> = std::mem::take(responses).into_iter().collect();
    sorted.sort_by(|(a, _), (b, _)| a.cmp(b));
    responses.extend(sorted);
}

/// The Core API answers `application/vnd.api+json` to a client that asks for it
/// (`core_api/document.rs`): its successful answers list that media type beside JSON.
fn offer_json_api_media_type(operation: &mut Value) {
    let Some(responses) = operation["responses"].as_object_mut() else {
        return;
    };
    for (status, response) in responses {
        if !status.starts_with('2') {
            continue;
        }
        if let Some(content) = response["content"].as_object_mut()
            && let Some(json) = content.get("application/json").cloned()
        {
            content.insert(crate::routes::kit::media_type::JSON_API.into(), json);
        }
    }
}

fn response(description: &str, schema: &Value) -> Value {
    let mut content = Map::new();
    content.insert("application/json".into(), json!({ "schema": schema }));
    json!({ "description": description, "content": content })
}
