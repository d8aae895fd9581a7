//! `/docs/api`: the API reference, rendered on the server from the OpenAPI document the API
//! serves (`routes::api::openapi`), so the page, the JSON and the tests that check every answer
//! against it say the same thing. No script and nothing from a CDN.
//!
//! The document is read as JSON rather than through utoipa's types: the page shows what is
//! served, including what `openapi::build` adds after generation.

use std::sync::OnceLock;

use actix_web::http::StatusCode;
use actix_web::web::Data;
use actix_web::{HttpRequest, HttpResponse};
use askama::Template;
use serde_json::Value;

use super::{Layout, Refusal, render_page};
use crate::routes::kit::layout::Page;
use crate::routes::kit::state::WebState;

/// A piece of prose: backticked spans become `<code>`, the rest is text (both escaped).
pub struct Prose {
    pub pieces: Vec<(bool, String)>,
}

impl Prose {
    fn of(markdown: Option<&str>) -> Self {
        let text = markdown
            .unwrap_or("")
            .split_whitespace()
            .collect::<Vec<_>>();
        let text = text.join(" ");
        let pieces = text
            .split('`')
            .enumerate()
            .filter(|(_, piece)| !piece.is_empty())
            .map(|(index, piece)| (index % 2 == 1, piece.to_owned()))
            .collect();
        Self { pieces }
    }

    pub fn is_empty(&self) -> bool {
        self.pieces.is_empty()
    }
}

/// A schema as a reader names it: `SigningKey`, `array of Warning`, `string or null`, with a
/// link to the component when it is one.
pub struct TypeName {
    pub text: String,
    pub link: Option<String>,
}

pub struct Parameter {
    pub name: String,
    pub location: String,
    pub required: bool,
    pub kind: TypeName,
    pub description: Prose,
}

pub struct Answer {
    pub status: String,
    pub description: Prose,
    pub content_type: Option<String>,
    pub body: Option<TypeName>,
}

pub struct Operation {
    pub id: String,
    pub method: String,
    pub path: String,
    pub summary: Prose,
    pub open: bool,
    pub parameters: Vec<Parameter>,
    pub request: Option<TypeName>,
    pub answers: Vec<Answer>,
}

pub struct Tag {
    pub name: String,
    /// The name as an anchor: `signing-keys`.
    pub slug: String,
    pub description: Prose,
    pub operations: Vec<Operation>,
}

pub struct Property {
    pub name: String,
    pub kind: TypeName,
    pub required: bool,
    pub description: Prose,
}

pub struct Schema {
    pub name: String,
    pub description: Prose,
    pub kind: String,
    pub properties: Vec<Property>,
    pub values: Vec<String>,
    pub closed: bool,
}

pub struct Reference {
    pub title: String,
    pub version: String,
    pub description: Prose,
    pub tags: Vec<Tag>,
    pub schemas: Vec<Schema>,
}

#[derive(Template)]
#[template(path = "docs_api.html")]
struct ApiDocsPage {
    layout: Layout,
    reference: &'static Reference,
}

pub async fn show(request: HttpRequest, state: Data<WebState>) -> Result<HttpResponse, Refusal> {
    render_page(&request, &state, Page::ApiDocs, StatusCode::OK, |layout| {
        ApiDocsPage {
            layout,
            reference: reference(state.api_document),
        }
    })
}

/// The page's reading of the document, made once: the server has one document.
fn reference(document: &'static Value) -> &'static Reference {
    static REFERENCE: OnceLock<Reference> = OnceLock::new();
    REFERENCE.get_or_init(|| read(document))
}

fn text(value: &Value) -> String {
    value.as_str().unwrap_or_default().to_owned()
}

fn entries(value: &Value) -> impl Iterator<Item = (&String, &Value)> {
    value.as_object().into_iter().flatten()
}

fn read(document: &Value) -> Reference {
    let mut tags: Vec<Tag> = document["tags"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|tag| Tag {
            name: text(&tag["name"]),
            slug: slug(tag["name"].as_str().unwrap_or_default()),
            description: Prose::of(tag["description"].as_str()),
            operations: Vec::new(),
        })
        .collect();
    for (path, item) in entries(&document["paths"]) {
        for (method, operation) in entries(item) {
            let tag = operation["tags"][0].as_str().unwrap_or("Other");
            let position = match tags.iter().position(|t| t.name == tag) {
                Some(position) => position,
                None => {
                    tags.push(Tag {
                        name: tag.to_owned(),
                        slug: slug(tag),
                        description: Prose::of(None),
                        operations: Vec::new(),
                    });
                    tags.len() - 1
                }
            };
            tags[position]
                .operations
                .push(read_operation(path, method, operation));
        }
    }
    let schemas = entries(&document["components"]["schemas"])
        .map(|(name, schema)| read_schema(document, name, schema))
        .collect();
    Reference {
        title: text(&document["info"]["title"]),
        version: text(&document["info"]["version"]),
        description: Prose::of(document["info"]["description"].as_str()),
        tags,
        schemas,
    }
}

fn slug(name: &str) -> String {
    name.to_lowercase().replace(' ', "-")
}

fn read_operation(path: &str, method: &str, operation: &Value) -> Operation {
    let summary = operation["summary"]
        .as_str()
        .or(operation["description"].as_str());
    let parameters = operation["parameters"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|parameter| Parameter {
            name: text(&parameter["name"]),
            location: text(&parameter["in"]),
            required: parameter["required"] == true,
            kind: type_name(&parameter["schema"]),
            description: Prose::of(parameter["description"].as_str()),
        })
        .collect();
    let request = operation["requestBody"]["content"]
        .as_object()
        .and_then(|content| content.values().next())
        .map(|media| type_name(&media["schema"]));
    let answers = entries(&operation["responses"])
        .map(|(status, response)| {
            let media = response["content"]
                .as_object()
                .and_then(|content| content.iter().next());
            Answer {
                status: status.clone(),
                description: Prose::of(response["description"].as_str()),
                content_type: media.map(|(content_type, _)| content_type.clone()),
                body: media.map(|(_, media)| type_name(&media["schema"])),
            }
        })
        .collect();
    Operation {
        id: text(&operation["operationId"]),
        method: method.to_uppercase(),
        path: path.to_owned(),
        summary: Prose::of(summary),
        // `security: [{}]`: never asks for the admin password.
        open: operation["security"].as_array().is_some_and(|s| {
            s.iter()
                .all(|r| r.as_object().is_some_and(|o| o.is_empty()))
        }),
        parameters,
        request,
        answers,
    }
}

fn read_schema(document: &Value, name: &str, schema: &Value) -> Schema {
    // A flattened struct is `allOf` its parts: list their properties together.
    let parts: Vec<&Value> = match schema["allOf"].as_array() {
        Some(parts) => parts.iter().collect(),
        None => vec![schema],
    };
    let mut properties = Vec::new();
    for part in parts {
        let part = resolve(document, part);
        let required: Vec<&str> = part["required"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        for (property, value) in entries(&part["properties"]) {
            properties.push(Property {
                name: property.clone(),
                kind: type_name(value),
                required: required.contains(&property.as_str()),
                description: Prose::of(value["description"].as_str()),
            });
        }
    }
    let values = schema["enum"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
        .collect();
    Schema {
        name: name.to_owned(),
        description: Prose::of(schema["description"].as_str()),
        kind: type_name(schema).text,
        properties,
        values,
        closed: schema["additionalProperties"] == false,
    }
}

/// A `$ref`'s target in the document's components, or the schema itself.
fn resolve<'a>(document: &'a Value, schema: &'a Value) -> &'a Value {
    schema["$ref"]
        .as_str()
        .and_then(|reference| reference.strip_prefix("#/components/schemas/"))
        .map_or(schema, |name| &document["components"]["schemas"][name])
}

fn type_name(schema: &Value) -> TypeName {
    if let Some(name) = schema["$ref"]
        .as_str()
        .and_then(|r| r.strip_prefix("#/components/schemas/"))
    {
        return TypeName {
            text: name.to_owned(),
            link: Some(format!("schema-{name}")),
        };
    }
    for combinator in ["oneOf", "anyOf"] {
        if let Some(options) = schema[combinator].as_array() {
            let names: Vec<TypeName> = options.iter().map(type_name).collect();
            let link = names.iter().find_map(|n| n.link.clone());
            let text = names
                .into_iter()
                .map(|n| n.text)
                .collect::<Vec<_>>()
                .join(" or ");
            return TypeName { text, link };
        }
    }
    let kinds: Vec<String> = match &schema["type"] {
        Value::String(kind) => vec![kind.clone()],
        Value::Array(kinds) => kinds.iter().map(text).collect(),
        _ if schema.as_object().is_some_and(|o| o.is_empty()) => vec!["any".to_owned()],
        _ => vec!["object".to_owned()],
    };
    let mut link = None;
    let described: Vec<String> = kinds
        .into_iter()
        .map(|kind| match kind.as_str() {
            "array" => {
                let items = type_name(&schema["items"]);
                link = items.link;
                format!("array of {}", items.text)
            }
            _ => match schema["format"].as_str() {
                Some(format) if kind == "string" => format!("string ({format})"),
                _ => kind,
            },
        })
        .collect();
    TypeName {
        text: described.join(" or "),
        link,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backticks_become_code_and_line_breaks_spaces() {
        let prose = Prose::of(Some("Send `{}` or\nnothing; `a` b"));
        assert_eq!(
            prose.pieces,
            vec![
                (false, "Send ".to_owned()),
                (true, "{}".to_owned()),
                (false, " or nothing; ".to_owned()),
                (true, "a".to_owned()),
                (false, " b".to_owned()),
            ]
        );
    }

    #[test]
    fn types_read_as_a_person_would_say_them() {
        let named = |v: serde_json::Value| type_name(&v).text;
        assert_eq!(
            named(serde_json::json!({"$ref": "#/components/schemas/Verdict"})),
            "Verdict"
        );
        assert_eq!(
            named(serde_json::json!({"type": ["string", "null"], "format": "uuid"})),
            "string (uuid) or null"
        );
        assert_eq!(
            named(
                serde_json::json!({"type": "array", "items": {"$ref": "#/components/schemas/Warning"}})
            ),
            "array of Warning"
        );
        assert_eq!(
            named(
                serde_json::json!({"oneOf": [{"$ref": "#/components/schemas/Problem"}, {"type": "null"}]})
            ),
            "Problem or null"
        );
    }
}
