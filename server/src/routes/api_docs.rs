//! `GET /api`: the API reference as a page, built from the same OpenAPI
//! document `/api/v1/openapi.json` serves: every operation by tag with its
//! parameters, body and responses, then every schema with its fields.

use actix_web::{get, http::StatusCode, web, HttpRequest, HttpResponse};
use minijinja::{context, Value};
use serde_json::{Map, Value as Json};

use crate::{
    auth::MaybeUser,
    routes::{
        api::openapi,
        page::{render, PageError},
    },
    startup::AppState,
};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(api_page);
}

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

#[get("/api")]
async fn api_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: MaybeUser,
) -> Result<HttpResponse, PageError> {
    let doc = serde_json::to_value(openapi::document())
        .map_err(|err| crate::error::AppError::Internal(err.into()))?;
    let empty = Map::new();
    let paths = doc["paths"].as_object().unwrap_or(&empty);
    let tags: Vec<Value> = doc["tags"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .map(|tag| {
            let name = tag["name"].as_str().unwrap_or_default();
            let operations: Vec<Value> = paths
                .iter()
                .flat_map(|(path, item)| METHODS.iter().map(move |m| (path, *m, &item[*m])))
                .filter(|(_, _, op)| {
                    op["tags"]
                        .as_array()
                        .is_some_and(|t| t.iter().any(|t| t == name))
                })
                .map(|(path, method, op)| operation_view(path, method, op))
                .collect();
            context! {
                name => name,
                description => tag["description"].as_str(),
                operations => operations,
            }
        })
        .collect();
    let schemas: Vec<Value> = doc["components"]["schemas"]
        .as_object()
        .unwrap_or(&empty)
        .iter()
        .map(|(name, schema)| schema_view(name, schema))
        .collect();
    render(
        &state,
        &req,
        user.0.as_ref().map(|u| &u.user),
        "api.html",
        StatusCode::OK,
        context! {
            title => doc["info"]["title"].as_str(),
            version => doc["info"]["version"].as_str(),
            paragraphs => doc["info"]["description"].as_str().unwrap_or_default().split("\n\n").collect::<Vec<_>>(),
            tags => tags,
            schema_names => doc["components"]["schemas"].as_object().map(|s| s.keys().cloned().collect::<Vec<_>>()),
            schemas => schemas,
            operation_count => paths.values().map(|item| METHODS.iter().filter(|m| item.get(**m).is_some()).count()).sum::<usize>(),
        },
    ).await
}

fn operation_view(path: &str, method: &str, op: &Json) -> Value {
    let parameters: Vec<Value> = op["parameters"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .map(|p| {
            context! {
                name => p["name"].as_str(),
                place => p["in"].as_str(),
                required => p["required"].as_bool().unwrap_or(false),
                kind => type_name(&p["schema"]),
                description => p["description"].as_str(),
            }
        })
        .collect();
    let body = op.get("requestBody").map(|body| {
        context! {
            description => body["description"].as_str(),
            contents => contents(&body["content"]),
        }
    });
    let responses: Vec<Value> = op["responses"]
        .as_object()
        .map(|r| {
            r.iter()
                .map(|(status, response)| {
                    context! {
                        status => status,
                        description => response["description"].as_str(),
                        contents => contents(&response["content"]),
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    let public = op["security"]
        .as_array()
        .is_some_and(|s| s.iter().all(|r| r.as_object().is_some_and(Map::is_empty)));
    context! {
        anchor => format!("{method}-{}", path.trim_start_matches('/').replace(['/', '{', '}'], "-")),
        method => method.to_uppercase(),
        path => path,
        summary => op["summary"].as_str(),
        description => op["description"].as_str(),
        public => public,
        parameters => parameters,
        body => body,
        responses => responses,
    }
}

/// `[(media type, type name)]` of a request or response body.
fn contents(content: &Json) -> Vec<Value> {
    content
        .as_object()
        .map(|c| {
            c.iter()
                .map(
                    |(media, body)| context! { media => media, kind => type_name(&body["schema"]) },
                )
                .collect()
        })
        .unwrap_or_default()
}

fn schema_view(name: &str, schema: &Json) -> Value {
    let mut fields = Vec::new();
    let mut parts = Vec::new();
    collect_fields(schema, &mut fields, &mut parts);
    context! {
        name => name,
        description => schema["description"].as_str(),
        kind => if fields.is_empty() { Some(type_name(schema)) } else { None },
        includes => parts,
        fields => fields,
    }
}

/// The properties of an object schema, and the schemas an `allOf` includes.
fn collect_fields(schema: &Json, fields: &mut Vec<Value>, includes: &mut Vec<String>) {
    if let Some(all) = schema["allOf"].as_array() {
        for part in all {
            match part["$ref"].as_str() {
                Some(reference) => includes.push(ref_name(reference).to_owned()),
                None => collect_fields(part, fields, includes),
            }
        }
        return;
    }
    let required: Vec<&str> = schema["required"]
        .as_array()
        .map(|r| r.iter().filter_map(Json::as_str).collect())
        .unwrap_or_default();
    if let Some(properties) = schema["properties"].as_object() {
        for (field, property) in properties {
            fields.push(context! {
                name => field,
                kind => type_name(property),
                required => required.contains(&field.as_str()),
                description => property["description"].as_str(),
            });
        }
    }
}

fn ref_name(reference: &str) -> &str {
    reference.rsplit('/').next().unwrap_or(reference)
}

/// A schema as a short type name: `string (date-time)`, `array of Card`, …
fn type_name(schema: &Json) -> String {
    if let Some(reference) = schema["$ref"].as_str() {
        return ref_name(reference).to_owned();
    }
    for (key, joiner) in [("allOf", " and "), ("oneOf", " or "), ("anyOf", " or ")] {
        if let Some(parts) = schema[key].as_array() {
            return parts.iter().map(type_name).collect::<Vec<_>>().join(joiner);
        }
    }
    if let Some(values) = schema["enum"].as_array() {
        let names: Vec<String> = values
            .iter()
            .map(|v| {
                v.as_str()
                    .map_or_else(|| v.to_string(), |s| format!("\"{s}\""))
            })
            .collect();
        return format!("one of {}", names.join(", "));
    }
    let types: Vec<&str> = match &schema["type"] {
        Json::String(t) => vec![t.as_str()],
        Json::Array(ts) => ts.iter().filter_map(Json::as_str).collect(),
        _ => Vec::new(),
    };
    let nullable = types.contains(&"null");
    let base = types.iter().find(|t| **t != "null").copied();
    let named = match base {
        Some("array") => format!("array of {}", type_name(&schema["items"])),
        Some("object") if schema["additionalProperties"].is_object() => {
            format!(
                "map of string to {}",
                type_name(&schema["additionalProperties"])
            )
        }
        Some(base) => match schema["format"].as_str() {
            Some(format) => format!("{base} ({format})"),
            None => base.to_owned(),
        },
        None => "any JSON value".to_owned(),
    };
    if nullable {
        format!("{named} or null")
    } else {
        named
    }
}
