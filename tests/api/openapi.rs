//! The OpenAPI document: valid (OpenAPI 3.1, checked by openapi-spec-validator,
//! plus our own checks), and true — a walk through every operation it lists,
//! where each response's status, content type and JSON body must be what the
//! document says. Objects are checked strictly: a field the document does not
//! list fails the test as much as a missing one.

use std::{
    collections::{BTreeMap, BTreeSet},
    sync::Mutex,
};

use reqwest::{Method, RequestBuilder};

use super::*;
use crate::banks::TEAM_BANK;

/// A response as the conformance check saw it.
struct Checked {
    status: u16,
    body: Vec<u8>,
}

impl Checked {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
}

struct Operation {
    method: String,
    template: String,
    spec: Value,
}

/// Sends requests, checks every response against the document and records
/// which operations and statuses were seen.
struct Conformance {
    root: Value,
    operations: Vec<Operation>,
    seen: Mutex<BTreeMap<(String, String), BTreeSet<u16>>>,
}

impl Conformance {
    fn new(doc: &Value) -> Self {
        let mut components = doc["components"].clone();
        make_strict(&mut components);
        let operations = doc["paths"]
            .as_object()
            .expect("paths")
            .iter()
            .flat_map(|(template, item)| {
                ["get", "post", "put", "patch", "delete"]
                    .into_iter()
                    .filter_map(move |m| {
                        item.get(m).map(|spec| Operation {
                            method: m.to_uppercase(),
                            template: template.clone(),
                            spec: spec.clone(),
                        })
                    })
            })
            .collect();
        Self {
            root: json!({ "components": components }),
            operations,
            seen: Mutex::new(BTreeMap::new()),
        }
    }

    /// The operation a request is for: the template that matches with the
    /// most literal segments (`/answers/compare` before `/answers/{id}`).
    fn operation(&self, method: &Method, path: &str) -> &Operation {
        let segments: Vec<&str> = path.split('/').collect();
        self.operations
            .iter()
            .filter(|op| op.method == method.as_str())
            .filter_map(|op| {
                let parts: Vec<&str> = op.template.split('/').collect();
                (parts.len() == segments.len()
                    && parts
                        .iter()
                        .zip(&segments)
                        .all(|(p, s)| p.starts_with('{') || p == s))
                .then(|| (parts.iter().filter(|p| !p.starts_with('{')).count(), op))
            })
            .max_by_key(|(literal, _)| *literal)
            .map(|(_, op)| op)
            .unwrap_or_else(|| panic!("{method} {path} is not in the OpenAPI document"))
    }

    async fn send(&self, request: RequestBuilder) -> Checked {
        let (client, request) = request.build_split();
        let request = request.expect("request");
        let (method, path) = (request.method().clone(), request.url().path().to_owned());
        let res = client.execute(request).await.expect("send");
        let status = res.status().as_u16();
        let media = res
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .map(|v| v.split(';').next().unwrap_or_default().trim().to_owned());
        let body = res.bytes().await.expect("body").to_vec();
        let op = self.operation(&method, &path);
        let context = format!(
            "{method} {path} ({}) answered {status}: {}",
            op.template,
            String::from_utf8_lossy(&body[..body.len().min(400)])
        );
        let response = op.spec["responses"]
            .get(status.to_string())
            .unwrap_or_else(|| panic!("status not documented: {context}"));
        match (response.get("content"), media) {
            (None, _) => assert!(body.is_empty(), "documented without a body: {context}"),
            (Some(content), Some(media)) => {
                let schema = content
                    .get(&media)
                    .unwrap_or_else(|| panic!("content type {media} not documented: {context}"));
                if media == "application/json" {
                    let instance: Value = serde_json::from_slice(&body)
                        .unwrap_or_else(|err| panic!("not JSON ({err}): {context}"));
                    self.validate(&schema["schema"], &instance, &context);
                }
            }
            (Some(_), None) => panic!("no content type: {context}"),
        }
        self.seen
            .lock()
            .unwrap()
            .entry((op.method.clone(), op.template.clone()))
            .or_default()
            .insert(status);
        Checked { status, body }
    }

    fn validate(&self, schema: &Value, instance: &Value, context: &str) {
        let errors = self.errors(schema, instance, context);
        assert!(
            errors.is_empty(),
            "response does not match the document: {errors:#?}\n{context}"
        );
    }

    /// What is wrong with `instance` as a `schema` of the document.
    fn errors(&self, schema: &Value, instance: &Value, context: &str) -> Vec<String> {
        let mut root = self.root.clone();
        for (key, value) in schema.as_object().expect("schema object") {
            root[key] = value.clone();
        }
        let validator = jsonschema::draft202012::options()
            .should_validate_formats(true)
            .build(&root)
            .unwrap_or_else(|err| panic!("schema does not compile ({err}): {context}"));
        validator
            .iter_errors(instance)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect()
    }

    fn unseen(&self) -> Vec<String> {
        let seen = self.seen.lock().unwrap();
        self.operations
            .iter()
            .filter(|op| !seen.contains_key(&(op.method.clone(), op.template.clone())))
            .map(|op| format!("{} {}", op.method, op.template))
            .collect()
    }
}

/// Every object schema of the components refuses properties it does not
/// list, except the ones other schemas extend through `allOf` (those are
/// strict where they are extended: `unevaluatedProperties` sees the parts).
fn make_strict(components: &mut Value) {
    let schemas = components["schemas"].as_object_mut().expect("schemas");
    let extended: BTreeSet<String> = schemas
        .values()
        .filter_map(|s| s["allOf"].as_array())
        .flatten()
        .filter_map(|part| part["$ref"].as_str())
        .map(|r| r.rsplit('/').next().unwrap_or(r).to_owned())
        .collect();
    for (name, schema) in schemas.iter_mut() {
        if !extended.contains(name)
            && (schema.get("properties").is_some() || schema.get("allOf").is_some())
        {
            schema["unevaluatedProperties"] = json!(false);
        }
    }
}

/// Our own checks of the document beside the validator's: every `$ref`
/// names a schema, every path parameter is declared, ids are unique.
fn check_document(doc: &Value) {
    assert_eq!(doc["openapi"], "3.1.0");
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    let mut refs = Vec::new();
    collect_refs(doc, &mut refs);
    for r in &refs {
        let name = r
            .strip_prefix("#/components/schemas/")
            .unwrap_or_else(|| panic!("unexpected $ref {r}"));
        assert!(schemas.contains_key(name), "$ref to a missing schema: {r}");
    }
    let mut ids = BTreeSet::new();
    for (template, item) in doc["paths"].as_object().unwrap() {
        assert!(template.starts_with("/api/v1/"), "{template}");
        for (method, op) in item.as_object().unwrap() {
            let id = op["operationId"].as_str().unwrap_or_default();
            assert!(ids.insert(id.to_owned()), "duplicate operationId {id}");
            assert!(
                op["summary"].as_str().is_some_and(|s| !s.is_empty()),
                "{method} {template} has no summary"
            );
            let declared: BTreeSet<&str> = op["parameters"]
                .as_array()
                .map(|ps| {
                    ps.iter()
                        .filter(|p| p["in"] == "path")
                        .filter_map(|p| p["name"].as_str())
                        .collect()
                })
                .unwrap_or_default();
            let in_template: BTreeSet<&str> = template
                .split('/')
                .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
                .collect();
            assert_eq!(declared, in_template, "{method} {template} path parameters");
            for (status, response) in op["responses"].as_object().unwrap() {
                if status.starts_with('4') || status.starts_with('5') {
                    assert_eq!(
                        response["content"]["application/json"]["schema"]["$ref"],
                        "#/components/schemas/ErrorBody",
                        "{method} {template} {status} must use the error shape"
                    );
                }
            }
        }
    }
}

fn collect_refs(value: &Value, refs: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, value) in map {
                match (key.as_str(), value) {
                    ("$ref", Value::String(r)) => refs.push(r.clone()),
                    _ => collect_refs(value, refs),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_refs(v, refs)),
        _ => {}
    }
}

/// The OpenAPI 3.1 schema check of openapi-spec-validator (PyPI), which
/// `scripts/test` installs; under CI its absence is a failure.
fn validate_with_openapi_spec_validator(doc: &Value) {
    let available = std::process::Command::new("python3")
        .args(["-c", "import openapi_spec_validator"])
        .status()
        .is_ok_and(|s| s.success());
    if !available {
        assert!(
            !starling_tests::in_ci(),
            "CI=true and python3 -m openapi_spec_validator is missing (scripts/test installs it)"
        );
        eprintln!("WARNING: openapi-spec-validator is not installed; the document was NOT checked against the OpenAPI 3.1 schema (pip install openapi-spec-validator)");
        return;
    }
    let path =
        std::env::temp_dir().join(format!("starling-openapi-{}.json", rand::random::<u64>()));
    std::fs::write(&path, serde_json::to_vec_pretty(doc).unwrap()).unwrap();
    let out = std::process::Command::new("python3")
        .args([
            "-m",
            "openapi_spec_validator",
            "--schema",
            "3.1",
            "--validation-errors",
            "all",
        ])
        .arg(&path)
        .output()
        .expect("run openapi-spec-validator");
    std::fs::remove_file(&path).ok();
    assert!(
        out.status.success(),
        "openapi-spec-validator: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn webm(len: usize) -> Vec<u8> {
    let mut bytes = vec![0x1A, 0x45, 0xDF, 0xA3];
    bytes.resize(len, 0x42);
    bytes
}

const ANSWER: &str = "We shipped 3 weeks late; I cut scope by 20% and we recovered.";

fn star(extra: Value) -> Value {
    let mut body = json!({
        "situation": "Two teams disagreed about the release date.",
        "task": "I had to agree one plan.",
        "action": "I met both leads, listed the risks and we cut two features.",
        "result": ANSWER,
        "reflection": "I involve both leads earlier now.",
        "seconds_spent": 95,
    });
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    body
}

on_both_databases!(
    every_operation_answers_as_documented,
    |app: TestApp| async move {
        let anonymous = app.client();
        let doc: Value = anonymous
            .get(app.url("/api/v1/openapi.json"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        check_document(&doc);
        validate_with_openapi_spec_validator(&doc);
        let api = Conformance::new(&doc);
        let url = |path: &str| app.url(path);

        // Accounts and tokens.
        let credentials = json!({"username": "olga", "password": "correct horse battery"});
        assert_eq!(
            api.send(
                anonymous
                    .post(url("/api/v1/auth/register"))
                    .json(&credentials)
            )
            .await
            .status,
            201
        );
        assert_eq!(
            api.send(
                anonymous
                    .post(url("/api/v1/auth/register"))
                    .json(&credentials)
            )
            .await
            .status,
            409
        );
        assert_eq!(
            api.send(
                anonymous
                    .post(url("/api/v1/auth/register"))
                    .json(&json!({"username": "x", "password": "short"}))
            )
            .await
            .status,
            422
        );
        assert_eq!(
            api.send(
                anonymous
                    .post(url("/api/v1/auth/register"))
                    .body("{not json")
                    .header("content-type", "application/json")
            )
            .await
            .status,
            400
        );
        let token = api
            .send(anonymous.post(url("/api/v1/auth/token")).json(&credentials))
            .await
            .json()["token"]
            .as_str()
            .unwrap()
            .to_owned();
        let user = ApiUser {
            base: app.url(""),
            token,
            client: app.client(),
        };
        let wrong = json!({"username": "olga", "password": "wrong password!"});
        for _ in 0..5 {
            assert_eq!(
                api.send(anonymous.post(url("/api/v1/auth/token")).json(&wrong))
                    .await
                    .status,
                401
            );
        }
        assert_eq!(
            api.send(anonymous.post(url("/api/v1/auth/token")).json(&wrong))
                .await
                .status,
            429
        );
        assert_eq!(api.send(anonymous.get(url("/api/v1/me"))).await.status, 401);
        assert_eq!(api.send(user.get("/api/v1/me")).await.status, 200);
        assert_eq!(
            api.send(user.patch("/api/v1/me").json(&json!({"new_per_day": 8})))
                .await
                .status,
            200
        );
        assert_eq!(
            api.send(
                user.patch("/api/v1/me")
                    .json(&json!({"desired_retention": 2.0}))
            )
            .await
            .status,
            422
        );
        let created = api.send(user.post("/api/v1/tokens")).await;
        assert_eq!(created.status, 201);
        assert_eq!(api.send(user.get("/api/v1/tokens")).await.status, 200);
        let token_id = created.json()["id"].as_str().unwrap().to_owned();
        assert_eq!(
            api.send(user.delete(&format!("/api/v1/tokens/{token_id}")))
                .await
                .status,
            204
        );
        assert_eq!(
            api.send(user.delete(&format!("/api/v1/tokens/{token_id}")))
                .await
                .status,
            404
        );

        // The daily loop.
        assert_eq!(
            api.send(user.get("/api/v1/questions?competency=delegation"))
                .await
                .status,
            200
        );
        assert_eq!(
            api.send(user.get("/api/v1/practice/today")).await.status,
            200
        );
        let next = api.send(user.get("/api/v1/practice/next")).await;
        assert_eq!(next.status, 200);
        let next = next.json();
        let (card_id, question_id) = (
            next["card_id"].as_i64().unwrap(),
            next["question"]["id"].as_i64().unwrap(),
        );
        let draft = format!("/api/v1/drafts/{question_id}");
        assert_eq!(api.send(user.get(&draft)).await.status, 404);
        assert_eq!(
            api.send(user.put(&draft).json(&star(json!({}))))
                .await
                .status,
            204
        );
        assert_eq!(api.send(user.get(&draft)).await.status, 200);
        let recording = format!("{draft}/recording");
        assert_eq!(
            api.send(
                user.put(&format!("{recording}?duration_ms=2000"))
                    .header("content-type", "audio/webm")
                    .body(webm(2048))
            )
            .await
            .status,
            201
        );
        assert_eq!(
            api.send(
                user.put(&format!("{recording}?duration_ms=2000"))
                    .header("content-type", "text/html")
                    .body("<p>no</p>")
            )
            .await
            .status,
            415
        );
        assert_eq!(
            api.send(
                user.put(&format!("{recording}?duration_ms=2000"))
                    .header("content-type", "audio/webm")
                    .body("<html>")
            )
            .await
            .status,
            422
        );
        assert_eq!(api.send(user.get(&recording)).await.status, 200);
        assert_eq!(api.send(user.delete(&recording)).await.status, 204);
        assert_eq!(
            api.send(
                user.put(&format!("{recording}?duration_ms=1500"))
                    .header("content-type", "audio/webm")
                    .body(webm(1024))
            )
            .await
            .status,
            201
        );
        let first = api
            .send(
                user.post("/api/v1/answers")
                    .json(&star(json!({"question_id": question_id}))),
            )
            .await;
        assert_eq!(first.status, 201);
        let first_id = first.json()["id"].as_i64().unwrap();
        assert_eq!(
            api.send(
                user.post("/api/v1/answers")
                    .json(&json!({"question_id": question_id}))
            )
            .await
            .status,
            422
        );
        assert_eq!(
            api.send(
                user.post("/api/v1/answers")
                    .json(&star(json!({"question_id": 999_999})))
            )
            .await
            .status,
            404
        );
        let answer_recording = format!("/api/v1/answers/{first_id}/recording");
        assert_eq!(api.send(user.get(&answer_recording)).await.status, 200);
        assert_eq!(api.send(user.delete(&answer_recording)).await.status, 204);
        assert_eq!(api.send(user.get(&answer_recording)).await.status, 404);
        assert_eq!(
            api.send(
                user.put(&format!("{answer_recording}?duration_ms=999999999"))
                    .header("content-type", "audio/webm")
                    .body(webm(64))
            )
            .await
            .status,
            413
        );
        assert_eq!(
            api.send(
                user.put(&format!("{answer_recording}?duration_ms=1000"))
                    .header("content-type", "audio/webm")
                    .body(webm(64))
            )
            .await
            .status,
            201
        );
        let checklist = api
            .send(user.get(&format!("/api/v1/answers/{first_id}")))
            .await
            .json()["checklist"]
            .clone();
        let ticked: Vec<i64> = checklist
            .as_array()
            .unwrap()
            .iter()
            .take(3)
            .map(|i| i["id"].as_i64().unwrap())
            .collect();
        assert_eq!(
            api.send(
                user.post(&format!("/api/v1/answers/{first_id}/reviews"))
                    .json(&json!({"checked": ticked, "comment": "clear"}))
            )
            .await
            .status,
            201
        );
        assert_eq!(
            api.send(
                user.post(&format!("/api/v1/answers/{first_id}/reviews"))
                    .json(&json!({"checked": [987_654]}))
            )
            .await
            .status,
            422
        );
        assert_eq!(
            api.send(user.get(&format!("/api/v1/cards/{card_id}")))
                .await
                .status,
            200
        );
        assert_eq!(
            api.send(user.get("/api/v1/cards/not-a-number"))
                .await
                .status,
            404
        );
        assert_eq!(
            api.send(
                user.post(&format!("/api/v1/cards/{card_id}/grade"))
                    .json(&json!({"rating": "meh"}))
            )
            .await
            .status,
            422
        );
        assert_eq!(
            api.send(
                user.post(&format!("/api/v1/cards/{card_id}/grade"))
                    .json(&json!({"rating": "good", "answer_id": first_id}))
            )
            .await
            .status,
            200
        );
        assert_eq!(
            api.send(user.get(&format!("/api/v1/answers/{first_id}")))
                .await
                .status,
            200
        );
        let second = api
            .send(user.post("/api/v1/answers").json(&star(
                json!({"question_id": question_id, "result": "We recovered in 2 weeks."}),
            )))
            .await;
        let second_id = second.json()["id"].as_i64().unwrap();
        assert_eq!(
            api.send(user.get(&format!(
                "/api/v1/answers/compare?a={first_id}&b={second_id}"
            )))
            .await
            .status,
            200
        );
        assert_eq!(
            api.send(user.get(&format!(
                "/api/v1/answers/compare?a={first_id}&b={first_id}"
            )))
            .await
            .status,
            422
        );
        assert_eq!(
            api.send(user.get("/api/v1/answers/compare?a=x"))
                .await
                .status,
            400
        );
        assert_eq!(
            api.send(user.get("/api/v1/answers/export")).await.status,
            200
        );
        assert_eq!(api.send(user.post("/api/v1/undo")).await.status, 200);
        assert_eq!(api.send(user.post("/api/v1/undo")).await.status, 404);
        assert_eq!(
            api.send(
                user.patch(&format!("/api/v1/cards/{card_id}"))
                    .json(&json!({"suspended": true}))
            )
            .await
            .status,
            200
        );
        assert_eq!(
            api.send(
                user.patch(&format!("/api/v1/cards/{card_id}"))
                    .json(&json!({"leech": true}))
            )
            .await
            .status,
            422
        );
        assert_eq!(
            api.send(
                user.patch(&format!("/api/v1/cards/{card_id}"))
                    .json(&json!({"colour": "red"}))
            )
            .await
            .status,
            400
        );
        assert_eq!(
            api.send(
                user.patch(&format!("/api/v1/cards/{card_id}"))
                    .json(&json!({"suspended": false}))
            )
            .await
            .status,
            200
        );
        assert_eq!(api.send(user.get("/api/v1/leeches")).await.status, 200);
        assert_eq!(
            api.send(user.get("/api/v1/review-logs/export"))
                .await
                .status,
            200
        );
        assert_eq!(api.send(user.get("/api/v1/stats")).await.status, 200);

        // Scheduling.
        assert_eq!(api.send(user.get("/api/v1/settings")).await.status, 200);
        assert_eq!(api.send(user.get("/api/v1/plan")).await.status, 404);
        let interview = (chrono::Utc::now() + chrono::Duration::days(12))
            .format("%Y-%m-%d")
            .to_string();
        assert_eq!(
            api.send(
                user.put("/api/v1/settings")
                    .json(&json!({"interview_date": interview, "desired_retention": 0.85}))
            )
            .await
            .status,
            200
        );
        assert_eq!(
            api.send(
                user.put("/api/v1/settings")
                    .json(&json!({"interview_date": "soon"}))
            )
            .await
            .status,
            422
        );
        assert_eq!(api.send(user.get("/api/v1/plan")).await.status, 200);
        assert_eq!(api.send(user.get("/api/v1/scheduler")).await.status, 200);
        assert_eq!(
            api.send(user.post("/api/v1/scheduler/optimize"))
                .await
                .status,
            422
        );

        // Banks.
        assert_eq!(api.send(user.get("/api/v1/banks")).await.status, 200);
        assert_eq!(
            api.send(
                user.post("/api/v1/banks?format=toml&dry_run=true")
                    .body(TEAM_BANK)
            )
            .await
            .status,
            200
        );
        assert_eq!(
            api.send(user.post("/api/v1/banks?format=toml").body(TEAM_BANK))
                .await
                .status,
            201
        );
        assert_eq!(
            api.send(user.post("/api/v1/banks?format=toml").body(TEAM_BANK))
                .await
                .status,
            200
        );
        assert_eq!(
            api.send(
                user.post("/api/v1/banks?format=toml")
                    .body("[bank]\nid = 3\n")
            )
            .await
            .status,
            422
        );
        assert_eq!(
            api.send(user.post("/api/v1/banks?format=docx").body(TEAM_BANK))
                .await
                .status,
            422
        );
        for format in ["toml", "yaml", "json", "csv"] {
            assert_eq!(
                api.send(user.get(&format!("/api/v1/banks/team-leads/export?format={format}")))
                    .await
                    .status,
                200
            );
        }
        assert_eq!(
            api.send(user.get("/api/v1/banks/nope/export")).await.status,
            404
        );
        assert_eq!(
            api.send(
                user.put("/api/v1/banks/team-leads/selection")
                    .json(&json!({"practise": true, "competencies": ["hiring"]}))
            )
            .await
            .status,
            200
        );
        assert_eq!(
            api.send(
                user.put("/api/v1/banks/team-leads/selection")
                    .json(&json!({"practise": true, "competencies": ["juggling"]}))
            )
            .await
            .status,
            422
        );

        // Stories.
        let story = json!({"title": "Release rescue", "situation": "s", "task": "t", "action": "a", "result": "r", "reflection": "", "competencies": ["delegation"]});
        let saved = api.send(user.post("/api/v1/stories").json(&story)).await;
        assert_eq!(saved.status, 201);
        let story_id = saved.json()["id"].as_i64().unwrap();
        assert_eq!(
            api.send(
                user.post("/api/v1/stories")
                    .json(&json!({"title": "x", "competencies": ["juggling"]}))
            )
            .await
            .status,
            422
        );
        assert_eq!(api.send(user.get("/api/v1/stories")).await.status, 200);
        assert_eq!(
            api.send(user.get("/api/v1/stories/matrix")).await.status,
            200
        );
        assert_eq!(
            api.send(user.get(&format!("/api/v1/stories/{story_id}")))
                .await
                .status,
            200
        );
        assert_eq!(
            api.send(
                user.put(&format!("/api/v1/stories/{story_id}"))
                    .json(&story)
            )
            .await
            .status,
            200
        );
        assert_eq!(
            api.send(user.delete(&format!("/api/v1/stories/{story_id}")))
                .await
                .status,
            204
        );
        assert_eq!(
            api.send(user.get(&format!("/api/v1/stories/{story_id}")))
                .await
                .status,
            404
        );

        // Mock interviews.
        assert_eq!(
            api.send(
                user.post("/api/v1/mock-interviews")
                    .json(&json!({"minutes": 1}))
            )
            .await
            .status,
            422
        );
        let round = api
            .send(
                user.post("/api/v1/mock-interviews")
                    .json(&json!({"minutes": 10})),
            )
            .await;
        assert_eq!(round.status, 201);
        let round_id = round.json()["id"].as_i64().unwrap();
        let answer_at = |position: i64| {
            format!("/api/v1/mock-interviews/{round_id}/questions/{position}/answer")
        };
        assert_eq!(
            api.send(
                user.post(&format!(
                    "/api/v1/mock-interviews/{round_id}/questions/1/grade"
                ))
                .json(&json!({"rating": "good"}))
            )
            .await
            .status,
            422
        );
        assert_eq!(
            api.send(user.post(&answer_at(2)).json(&star(json!({}))))
                .await
                .status,
            409
        );
        assert_eq!(
            api.send(user.post(&answer_at(1)).json(&star(json!({}))))
                .await
                .status,
            201
        );
        assert_eq!(
            api.send(user.post(&answer_at(1)).json(&star(json!({}))))
                .await
                .status,
            409
        );
        assert_eq!(
            api.send(
                user.post(&format!(
                    "/api/v1/mock-interviews/{round_id}/questions/1/grade"
                ))
                .json(&json!({"rating": "good"}))
            )
            .await
            .status,
            200
        );
        assert_eq!(
            api.send(user.post(&format!("/api/v1/mock-interviews/{round_id}/finish")))
                .await
                .status,
            200
        );
        assert_eq!(
            api.send(user.get(&format!("/api/v1/mock-interviews/{round_id}")))
                .await
                .status,
            200
        );
        assert_eq!(
            api.send(user.get("/api/v1/mock-interviews")).await.status,
            200
        );
        assert_eq!(
            api.send(user.get("/api/v1/mock-interviews/424242"))
                .await
                .status,
            404
        );

        // Coaching.
        let coach = app.coach_user("carla").await;
        assert_eq!(
            api.send(user.post("/api/v1/coach/invites")).await.status,
            403
        );
        let invite = api.send(coach.post("/api/v1/coach/invites")).await;
        assert_eq!(invite.status, 201);
        let code = invite.json()["code"].as_str().unwrap().to_owned();
        assert_eq!(
            api.send(
                user.post("/api/v1/coach/links")
                    .json(&json!({"code": "WRONGCODE1"}))
            )
            .await
            .status,
            422
        );
        let link = api
            .send(
                user.post("/api/v1/coach/links")
                    .json(&json!({"code": code})),
            )
            .await;
        assert_eq!(link.status, 201);
        let link_id = link.json()["id"].as_i64().unwrap();
        assert_eq!(
            api.send(
                user.patch(&format!("/api/v1/coach/links/{link_id}"))
                    .json(&json!({"share_all": false}))
            )
            .await
            .status,
            200
        );
        assert_eq!(
            api.send(
                user.post(&format!("/api/v1/answers/{first_id}/shares"))
                    .json(&json!({"link_id": link_id}))
            )
            .await
            .status,
            204
        );
        assert_eq!(api.send(coach.get("/api/v1/coach/links")).await.status, 200);
        assert_eq!(api.send(coach.get("/api/v1/coach/queue")).await.status, 200);
        assert_eq!(
            api.send(coach.get(&format!("/api/v1/answers/{first_id}")))
                .await
                .status,
            200
        );
        assert_eq!(
            api.send(
                coach
                    .post(&format!("/api/v1/answers/{first_id}/reviews"))
                    .json(&json!({"checked": ticked, "comment": "good numbers"}))
            )
            .await
            .status,
            201
        );
        assert_eq!(api.send(user.get("/api/v1/calibration")).await.status, 200);
        let learner_id = user.id().await;
        assert_eq!(
            api.send(
                coach
                    .post("/api/v1/coach/assignments")
                    .json(&json!({"learner_id": learner_id, "bank_id": "management-core"}))
            )
            .await
            .status,
            201
        );
        assert_eq!(
            api.send(
                coach
                    .post("/api/v1/coach/assignments")
                    .json(&json!({"learner_id": learner_id}))
            )
            .await
            .status,
            422
        );
        assert_eq!(
            api.send(user.delete(&format!("/api/v1/answers/{first_id}/shares/{link_id}")))
                .await
                .status,
            204
        );
        assert_eq!(
            api.send(user.delete(&format!("/api/v1/coach/links/{link_id}")))
                .await
                .status,
            204
        );

        // Bodies over 1 MiB, and what the document itself answers.
        let huge = "x".repeat(1024 * 1024 + 1);
        assert_eq!(
            api.send(user.put(&draft).json(&json!({"situation": huge})))
                .await
                .status,
            413
        );
        assert_eq!(
            api.send(anonymous.get(url("/api/v1/openapi.json")))
                .await
                .status,
            200
        );

        let unseen = api.unseen();
        assert!(unseen.is_empty(), "operations never called: {unseen:#?}");
        let seen = api.seen.lock().unwrap();
        let statuses: usize = seen.values().map(BTreeSet::len).sum();
        eprintln!(
            "checked {} operations and {statuses} (operation, status) pairs against the document",
            seen.len()
        );
    }
);

/// The check itself bites: an undocumented field, a missing one, a wrong
/// type and a wrong enum value are each refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conformance_check_refuses_what_the_document_does_not_say() {
    let app = TestApp::spawn(Backend::Sqlite).await.expect("sqlite app");
    let doc: Value = app
        .client()
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let api = Conformance::new(&doc);
    let today = json!({"$ref": "#/components/schemas/TodayCounts"});
    let good = json!({"due": 3, "learning": 1, "review": 2, "new": 5, "done_today": 0});
    assert!(api.errors(&today, &good, "good").is_empty());
    let mut extra = good.clone();
    extra["secret"] = json!("x");
    let mut missing = good.clone();
    missing.as_object_mut().unwrap().remove("new");
    let mut wrong_type = good.clone();
    wrong_type["due"] = json!("3");
    for bad in [extra, missing, wrong_type] {
        assert!(
            !api.errors(&today, &bad, "bad").is_empty(),
            "accepted {bad}"
        );
    }
    // Nested, through `allOf` (MeView extends UserView) and an enum.
    let me = json!({"$ref": "#/components/schemas/MeView"});
    let user = json!({"id": 1, "username": "a", "role": "learner", "time_zone": "UTC", "new_per_day": 5, "reviews_per_day": 100, "desired_retention": 0.9, "unread_feedback": 0});
    assert!(api.errors(&me, &user, "good").is_empty());
    let mut extra = user.clone();
    extra["password_hash"] = json!("x");
    let mut role = user.clone();
    role["role"] = json!("superuser");
    for bad in [extra, role] {
        assert!(!api.errors(&me, &bad, "bad").is_empty(), "accepted {bad}");
    }
    // An error body must have the error shape.
    let error = json!({"$ref": "#/components/schemas/ErrorBody"});
    assert!(api
        .errors(
            &error,
            &json!({"error": {"code": "not_found", "message": "x"}}),
            "good"
        )
        .is_empty());
    assert!(!api
        .errors(
            &error,
            &json!({"error": {"code": "oops", "message": "x"}}),
            "bad"
        )
        .is_empty());
    assert!(!api
        .errors(&error, &json!({"message": "x"}), "bad")
        .is_empty());
}

on_both_databases!(api_page_lists_every_operation, |app: TestApp| async move {
    let doc: Value = app
        .client()
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let res = app.client().get(app.url("/api")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(html.contains("href=\"/api/v1/openapi.json\""));
    for (template, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            let anchor = format!(
                "id=\"{method}-{}\"",
                template
                    .trim_start_matches('/')
                    .replace(['/', '{', '}'], "-")
            );
            assert!(
                html.contains(&anchor),
                "the API page lacks {method} {template}"
            );
        }
    }
    for name in doc["components"]["schemas"].as_object().unwrap().keys() {
        assert!(
            html.contains(&format!("id=\"schema-{name}\"")),
            "the API page lacks schema {name}"
        );
    }
});
