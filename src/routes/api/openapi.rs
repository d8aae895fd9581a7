//! The API reference: an OpenAPI 3.1 document derived from the handlers' `#[utoipa::path]`
//! attributes and the `ToSchema` types they answer with, so it describes what the code does.
//! Served at `GET /api/v1/openapi.json`, rendered at `/docs/api`, and the test suite checks
//! every JSON answer it gets against it (tests/helpers/contract.rs).
//!
//! The refusals that middleware makes (rebound Host, cross-site request, missing password, an
//! unexpected failure) can come from any route, so they are added here to every operation they
//! apply to rather than repeated on each handler.

use std::sync::OnceLock;

use actix_web::HttpResponse;
use serde_json::{Map, Value, json};
use utoipa::OpenApi;

use super::{interactions, signing_keys, stream, unsigned_fields, verify};
use crate::domain::problem::Code;
use crate::routes::{health, metrics};

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
    paths(
        verify::verify,
        verify::preflight,
        interactions::list,
        interactions::clear,
        interactions::get,
        stream::stream,
        signing_keys::list,
        signing_keys::create,
        signing_keys::get,
        signing_keys::update,
        signing_keys::delete,
        unsigned_fields::list,
        unsigned_fields::create,
        unsigned_fields::delete,
        super::reset,
        serve,
        health::health,
        metrics::metrics,
    ),
    components(schemas(stream::InteractionEvent, Code)),
    tags(
        (name = "Verify", description = "What Talkative does with a widget's interaction data."),
        (name = "Signing keys", description = "The public keys tokens are verified with (the Signing Keys page)."),
        (name = "Unsigned fields", description = "Labels kept unsigned once signing is on (the Unsigned fields page)."),
        (name = "Interaction log", description = "Every verification, as recorded: list, wait, stream, clear."),
        (name = "Service", description = "Health, metrics, reset, this document."),
    )
)]
struct ApiDoc;

/// The document, built once.
pub fn document() -> &'static Value {
    static DOCUMENT: OnceLock<Value> = OnceLock::new();
    DOCUMENT.get_or_init(build)
}

#[utoipa::path(
    get,
    path = "/api/v1/openapi.json",
    operation_id = "openapi",
    tag = "Service",
    responses((status = 200, description = "This document (OpenAPI 3.1).", body = Object))
)]
pub async fn serve() -> HttpResponse {
    HttpResponse::Ok().json(document())
}

/// The refusals middleware adds, by the routes they guard.
struct Refusal {
    status: &'static str,
    description: &'static str,
    /// Which paths it applies to.
    applies: fn(&str) -> bool,
}

const REFUSALS: &[Refusal] = &[
    Refusal {
        status: "401",
        description: "`unauthorized`: an admin password is set and the request has no \
            `Authorization: Bearer` with it.",
        applies: |path| path != "/health" && path != "/api/v1/verify",
    },
    Refusal {
        status: "429",
        description: "`rate_limited`: too many wrong admin passwords from this client; see \
            `Retry-After`.",
        applies: |path| path != "/health" && path != "/api/v1/verify",
    },
    Refusal {
        status: "403",
        description: "`host_not_allowed` (a name other than the allowed hosts, as DNS rebinding \
            sends), or `cross_site_request` (a management call from another site's page).",
        applies: |path| path != "/api/v1/verify",
    },
    Refusal {
        status: "415",
        description: "`unsupported_media_type`: a write that is not `application/json`.",
        applies: |path| path.starts_with("/api/v1/") && path != "/api/v1/verify",
    },
    Refusal {
        status: "500",
        description: "`internal_error`: the emulator hit an unexpected error (logged).",
        applies: |_| true,
    },
];

fn build() -> Value {
    let mut document = serde_json::to_value(ApiDoc::openapi())
        .expect("an OpenAPI document is plain data and serializes");
    let error = json!({ "$ref": "#/components/schemas/Error" });
    if let Some(paths) = document["paths"].as_object_mut() {
        for (path, item) in paths.iter_mut() {
            let Some(operations) = item.as_object_mut() else {
                continue;
            };
            for (method, operation) in operations.iter_mut() {
                add_refusals(path, method, operation, &error);
            }
        }
    }
    // Open on loopback when no password is set; the Bearer password otherwise. Operations
    // that never ask for it say `security: [{}]`.
    document["components"]["securitySchemes"] = json!({
        "adminPassword": {
            "type": "http",
            "scheme": "bearer",
            "description": "The admin password (TALKATIVE_ADMIN_PASSWORD), when one is set."
        }
    });
    document["security"] = json!([{}, { "adminPassword": [] }]);
    document
}

fn add_refusals(path: &str, method: &str, operation: &mut Value, error: &Value) {
    if method == "options" {
        return;
    }
    let responses = operation["responses"]
        .as_object_mut()
        .expect("every operation lists its responses");
    let writes = matches!(method, "post" | "patch" | "put");
    for refusal in REFUSALS {
        if !(refusal.applies)(path) || (refusal.status == "415" && !writes) {
            continue;
        }
        responses
            .entry(refusal.status)
            .or_insert_with(|| response(refusal.description, error));
    }
    // In status order, as a reader looks for them.
    let mut sorted: Vec<(String, Value)> = std::mem::take(responses).into_iter().collect();
    sorted.sort_by(|(a, _), (b, _)| a.cmp(b));
    responses.extend(sorted);
}

fn response(description: &str, schema: &Value) -> Value {
    let mut content = Map::new();
    content.insert("application/json".into(), json!({ "schema": schema }));
    json!({ "description": description, "content": content })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn properties(schema: &str) -> Vec<String> {
        let schema = &document()["components"]["schemas"][schema];
        assert_eq!(schema["additionalProperties"], false, "{schema}");
        schema["properties"]
            .as_object()
            .map(|p| p.keys().cloned().collect())
            .unwrap_or_default()
    }

    /// The handlers read their bodies member by member (for precise errors); the members they
    /// accept are the documented ones, and no others are documented.
    #[test]
    fn request_schemas_list_the_members_the_handlers_accept() {
        for (schema, members) in [
            ("NewSigningKey", signing_keys::CREATE_MEMBERS),
            ("SigningKeyChanges", signing_keys::UPDATE_MEMBERS),
            ("NewUnsignedField", unsigned_fields::CREATE_MEMBERS),
            ("NoOptions", &[][..]),
            ("VerifyRequest", verify::MEMBERS),
        ] {
            assert_eq!(properties(schema), members, "{schema}");
        }
    }

    #[test]
    fn the_documented_item_has_the_members_of_an_item() {
        let item = crate::domain::InteractionItem {
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
        let documented = &document()["components"]["schemas"]["InteractionItem"];
        let properties: Vec<String> = documented["properties"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        assert_eq!(properties, members);
        assert_eq!(documented["required"], json!(members));
    }

    #[test]
    fn the_code_schema_is_every_code() {
        let listed = &document()["components"]["schemas"]["Code"]["enum"];
        let codes: Vec<&str> = Code::ALL.iter().map(|code| code.as_str()).collect();
        assert_eq!(listed, &json!(codes));
    }

    #[test]
    fn operation_ids_are_unique_and_every_operation_answers_errors_as_error() {
        let mut ids = std::collections::HashSet::new();
        for (path, item) in document()["paths"].as_object().unwrap() {
            for (method, operation) in item.as_object().unwrap() {
                let id = operation["operationId"].as_str().unwrap();
                assert!(ids.insert(id.to_owned()), "{id} twice");
                for (status, response) in operation["responses"].as_object().unwrap() {
                    if status.starts_with('4') || status.starts_with('5') {
                        let schema = &response["content"]["application/json"]["schema"];
                        let is_error = schema["$ref"] == "#/components/schemas/Error"
                            || (path == "/health" && status == "503");
                        assert!(is_error, "{method} {path} {status}: {response}");
                    }
                }
            }
        }
    }
}
