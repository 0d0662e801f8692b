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
use crate::{banks::TEAM_BANK, rehearsal::webm};

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

    /// Sends the request, checks the response against the document and
    /// that its status is `status`.
    async fn expect(&self, status: u16, request: RequestBuilder) -> Checked {
        let checked = self.send(request).await;
        assert_eq!(
            checked.status,
            status,
            "{}",
            String::from_utf8_lossy(&checked.body)
        );
        checked
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
    if !starling_tests::python_module_available("openapi_spec_validator", "openapi-spec-validator")
    {
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

async fn document(app: &TestApp) -> Value {
    let res = app
        .client()
        .get(app.url("/api/v1/openapi.json"))
        .expect_status(200)
        .await;
    res.json().await.unwrap()
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
        let doc = document(&app).await;
        check_document(&doc);
        validate_with_openapi_spec_validator(&doc);
        let api = Conformance::new(&doc);
        let url = |path: &str| app.url(path);

        // Accounts and tokens.
        let credentials = json!({"username": "olga", "password": "correct horse battery"});
        api.expect(
            201,
            anonymous
                .post(url("/api/v1/auth/register"))
                .json(&credentials),
        )
        .await;
        api.expect(
            409,
            anonymous
                .post(url("/api/v1/auth/register"))
                .json(&credentials),
        )
        .await;
        api.expect(
            422,
            anonymous
                .post(url("/api/v1/auth/register"))
                .json(&json!({"username": "x", "password": "short"})),
        )
        .await;
        api.expect(
            400,
            anonymous
                .post(url("/api/v1/auth/register"))
                .body("{not json")
                .header("content-type", "application/json"),
        )
        .await;
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
            api.expect(401, anonymous.post(url("/api/v1/auth/token")).json(&wrong))
                .await;
        }
        api.expect(429, anonymous.post(url("/api/v1/auth/token")).json(&wrong))
            .await;
        api.expect(401, anonymous.get(url("/api/v1/me"))).await;
        api.expect(200, user.get("/api/v1/me")).await;
        api.expect(
            200,
            user.patch("/api/v1/me").json(&json!({"new_per_day": 8})),
        )
        .await;
        api.expect(
            422,
            user.patch("/api/v1/me")
                .json(&json!({"desired_retention": 2.0})),
        )
        .await;
        api.expect(200, user.get("/api/v1/me/email")).await;
        api.expect(
            200,
            user.put("/api/v1/me/email")
                .json(&json!({"reminders": true, "send_hour": 7})),
        )
        .await;
        api.expect(
            422,
            user.put("/api/v1/me/email").json(&json!({"send_hour": 24})),
        )
        .await;
        // This server has no SMTP server, so no address is taken.
        api.expect(
            422,
            user.post("/api/v1/me/email/address")
                .json(&json!({"email": "olga@example.org", "password": "correct horse battery"})),
        )
        .await;
        let created = api.expect(201, user.post("/api/v1/tokens")).await;
        api.expect(200, user.get("/api/v1/tokens")).await;
        let token_id = created.json()["id"].as_str().unwrap().to_owned();
        api.expect(204, user.delete(&format!("/api/v1/tokens/{token_id}")))
            .await;
        api.expect(404, user.delete(&format!("/api/v1/tokens/{token_id}")))
            .await;

        // The daily loop.
        api.expect(200, user.get("/api/v1/questions?competency=delegation"))
            .await;
        api.expect(200, user.get("/api/v1/practice/today")).await;
        let next = api.expect(200, user.get("/api/v1/practice/next")).await;
        let next = next.json();
        let (card_id, question_id) = (
            next["card_id"].as_i64().unwrap(),
            next["question"]["id"].as_i64().unwrap(),
        );
        let upload = |path: &str, ms: u64, mime: &str, audio: Vec<u8>| {
            user.put(&format!("{path}?duration_ms={ms}"))
                .header("content-type", mime.to_owned())
                .body(audio)
        };
        let draft = format!("/api/v1/drafts/{question_id}");
        api.expect(404, user.get(&draft)).await;
        api.expect(204, user.put(&draft).json(&star(json!({}))))
            .await;
        api.expect(200, user.get(&draft)).await;
        let recording = format!("{draft}/recording");
        api.expect(201, upload(&recording, 2000, "audio/webm", webm(2048)))
            .await;
        api.expect(
            415,
            upload(&recording, 2000, "text/html", b"<p>no</p>".to_vec()),
        )
        .await;
        api.expect(
            422,
            upload(&recording, 2000, "audio/webm", b"<html>".to_vec()),
        )
        .await;
        api.expect(200, user.get(&recording)).await;
        api.expect(204, user.delete(&recording)).await;
        api.expect(201, upload(&recording, 1500, "audio/webm", webm(1024)))
            .await;
        let first = api
            .expect(
                201,
                user.post("/api/v1/answers")
                    .json(&star(json!({"question_id": question_id}))),
            )
            .await;
        let first_id = first.json()["id"].as_i64().unwrap();
        api.expect(
            422,
            user.post("/api/v1/answers")
                .json(&json!({"question_id": question_id})),
        )
        .await;
        api.expect(
            404,
            user.post("/api/v1/answers")
                .json(&star(json!({"question_id": 999_999}))),
        )
        .await;
        let answer_recording = format!("/api/v1/answers/{first_id}/recording");
        api.expect(200, user.get(&answer_recording)).await;
        api.expect(204, user.delete(&answer_recording)).await;
        api.expect(404, user.get(&answer_recording)).await;
        api.expect(
            413,
            upload(&answer_recording, 999999999, "audio/webm", webm(64)),
        )
        .await;
        api.expect(201, upload(&answer_recording, 1000, "audio/webm", webm(64)))
            .await;
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
        api.expect(
            201,
            user.post(&format!("/api/v1/answers/{first_id}/reviews"))
                .json(&json!({"checked": ticked, "comment": "clear"})),
        )
        .await;
        api.expect(
            422,
            user.post(&format!("/api/v1/answers/{first_id}/reviews"))
                .json(&json!({"checked": [987_654]})),
        )
        .await;
        api.expect(200, user.get(&format!("/api/v1/cards/{card_id}")))
            .await;
        api.expect(404, user.get("/api/v1/cards/not-a-number"))
            .await;
        api.expect(
            422,
            user.post(&format!("/api/v1/cards/{card_id}/grade"))
                .json(&json!({"rating": "meh"})),
        )
        .await;
        api.expect(
            200,
            user.post(&format!("/api/v1/cards/{card_id}/grade"))
                .json(&json!({"rating": "good", "answer_id": first_id})),
        )
        .await;
        api.expect(200, user.get(&format!("/api/v1/answers/{first_id}")))
            .await;
        let second = api
            .send(user.post("/api/v1/answers").json(&star(
                json!({"question_id": question_id, "result": "We recovered in 2 weeks."}),
            )))
            .await;
        let second_id = second.json()["id"].as_i64().unwrap();
        api.expect(
            200,
            user.get(&format!(
                "/api/v1/answers/compare?a={first_id}&b={second_id}"
            )),
        )
        .await;
        api.expect(
            422,
            user.get(&format!(
                "/api/v1/answers/compare?a={first_id}&b={first_id}"
            )),
        )
        .await;
        api.expect(400, user.get("/api/v1/answers/compare?a=x"))
            .await;
        api.expect(200, user.get("/api/v1/answers/export")).await;
        api.expect(200, user.post("/api/v1/undo")).await;
        api.expect(404, user.post("/api/v1/undo")).await;
        api.expect(
            200,
            user.patch(&format!("/api/v1/cards/{card_id}"))
                .json(&json!({"suspended": true})),
        )
        .await;
        api.expect(
            422,
            user.patch(&format!("/api/v1/cards/{card_id}"))
                .json(&json!({"leech": true})),
        )
        .await;
        api.expect(
            400,
            user.patch(&format!("/api/v1/cards/{card_id}"))
                .json(&json!({"colour": "red"})),
        )
        .await;
        api.expect(
            200,
            user.patch(&format!("/api/v1/cards/{card_id}"))
                .json(&json!({"suspended": false})),
        )
        .await;
        api.expect(200, user.get("/api/v1/leeches")).await;
        api.expect(200, user.get("/api/v1/review-logs/export"))
            .await;
        api.expect(200, user.get("/api/v1/stats")).await;

        // Scheduling.
        api.expect(200, user.get("/api/v1/settings")).await;
        api.expect(404, user.get("/api/v1/plan")).await;
        let interview = (chrono::Utc::now() + chrono::Duration::days(12))
            .format("%Y-%m-%d")
            .to_string();
        api.expect(
            200,
            user.put("/api/v1/settings")
                .json(&json!({"interview_date": interview, "desired_retention": 0.85, "level": "experienced"})),
        )
        .await;
        api.expect(
            422,
            user.put("/api/v1/settings")
                .json(&json!({"interview_date": "soon"})),
        )
        .await;
        api.expect(
            422,
            user.put("/api/v1/settings").json(&json!({"level": "vp"})),
        )
        .await;
        api.expect(200, user.get("/api/v1/plan")).await;
        api.expect(200, user.get("/api/v1/scheduler")).await;
        api.expect(422, user.post("/api/v1/scheduler/optimize"))
            .await;

        // Banks.
        api.expect(200, user.get("/api/v1/banks")).await;
        api.expect(
            200,
            user.post("/api/v1/banks?format=toml&dry_run=true")
                .body(TEAM_BANK),
        )
        .await;
        api.expect(201, user.post("/api/v1/banks?format=toml").body(TEAM_BANK))
            .await;
        api.expect(200, user.post("/api/v1/banks?format=toml").body(TEAM_BANK))
            .await;
        api.expect(
            422,
            user.post("/api/v1/banks?format=toml")
                .body("[bank]\nid = 3\n"),
        )
        .await;
        api.expect(422, user.post("/api/v1/banks?format=docx").body(TEAM_BANK))
            .await;
        {
            use starling_domain::bank::apkg::testing;
            let package = testing::new_package(&["Front", "Back"], &testing::sample_notes(), &[]);
            let zip = |body: Vec<u8>| {
                user.post("/api/v1/banks?bank_id=anki-deck")
                    .header("content-type", "application/zip")
                    .body(body)
            };
            api.expect(201, zip(package)).await;
            api.expect(413, zip(testing::zip_bomb())).await;
            api.expect(422, zip(testing::with_entry("../evil"))).await;
            api.expect(422, user.get("/api/v1/banks/anki-deck/export?format=apkg"))
                .await;
        }
        for format in ["toml", "yaml", "json", "csv"] {
            api.expect(
                200,
                user.get(&format!("/api/v1/banks/team-leads/export?format={format}")),
            )
            .await;
        }
        api.expect(404, user.get("/api/v1/banks/nope/export")).await;
        api.expect(
            200,
            user.put("/api/v1/banks/team-leads/selection")
                .json(&json!({"practise": true, "competencies": ["hiring"]})),
        )
        .await;
        api.expect(
            422,
            user.put("/api/v1/banks/team-leads/selection")
                .json(&json!({"practise": true, "competencies": ["juggling"]})),
        )
        .await;

        // Stories.
        let story = json!({"title": "Release rescue", "situation": "s", "task": "t", "action": "a", "result": "r", "reflection": "", "competencies": ["delegation"]});
        let saved = api
            .expect(201, user.post("/api/v1/stories").json(&story))
            .await;
        let story_id = saved.json()["id"].as_i64().unwrap();
        api.expect(
            422,
            user.post("/api/v1/stories")
                .json(&json!({"title": "x", "competencies": ["juggling"]})),
        )
        .await;
        api.expect(200, user.get("/api/v1/stories")).await;
        api.expect(200, user.get("/api/v1/stories/matrix")).await;
        api.expect(200, user.get(&format!("/api/v1/stories/{story_id}")))
            .await;
        api.expect(
            200,
            user.put(&format!("/api/v1/stories/{story_id}"))
                .json(&story),
        )
        .await;
        api.expect(204, user.delete(&format!("/api/v1/stories/{story_id}")))
            .await;
        api.expect(404, user.get(&format!("/api/v1/stories/{story_id}")))
            .await;

        // Mock interviews.
        api.expect(
            422,
            user.post("/api/v1/mock-interviews")
                .json(&json!({"minutes": 1})),
        )
        .await;
        let round = api
            .expect(
                201,
                user.post("/api/v1/mock-interviews")
                    .json(&json!({"minutes": 10})),
            )
            .await;
        let round_id = round.json()["id"].as_i64().unwrap();
        let answer_at = |position: i64| {
            format!("/api/v1/mock-interviews/{round_id}/questions/{position}/answer")
        };
        api.expect(
            422,
            user.post(&format!(
                "/api/v1/mock-interviews/{round_id}/questions/1/grade"
            ))
            .json(&json!({"rating": "good"})),
        )
        .await;
        api.expect(409, user.post(&answer_at(2)).json(&star(json!({}))))
            .await;
        api.expect(201, user.post(&answer_at(1)).json(&star(json!({}))))
            .await;
        api.expect(409, user.post(&answer_at(1)).json(&star(json!({}))))
            .await;
        api.expect(
            200,
            user.post(&format!(
                "/api/v1/mock-interviews/{round_id}/questions/1/grade"
            ))
            .json(&json!({"rating": "good"})),
        )
        .await;
        api.expect(
            200,
            user.post(&format!("/api/v1/mock-interviews/{round_id}/finish")),
        )
        .await;
        api.expect(
            200,
            user.get(&format!("/api/v1/mock-interviews/{round_id}")),
        )
        .await;
        api.expect(200, user.get("/api/v1/mock-interviews")).await;
        api.expect(404, user.get("/api/v1/mock-interviews/424242"))
            .await;

        // Coaching.
        let coach = app.coach_user("carla").await;
        api.expect(403, user.post("/api/v1/coach/invites")).await;
        let invite = api.expect(201, coach.post("/api/v1/coach/invites")).await;
        let code = invite.json()["code"].as_str().unwrap().to_owned();
        api.expect(
            422,
            user.post("/api/v1/coach/links")
                .json(&json!({"code": "WRONGCODE1"})),
        )
        .await;
        let link = api
            .expect(
                201,
                user.post("/api/v1/coach/links")
                    .json(&json!({"code": code})),
            )
            .await;
        let link_id = link.json()["id"].as_i64().unwrap();
        api.expect(
            200,
            user.patch(&format!("/api/v1/coach/links/{link_id}"))
                .json(&json!({"share_all": false})),
        )
        .await;
        api.expect(
            204,
            user.post(&format!("/api/v1/answers/{first_id}/shares"))
                .json(&json!({"link_id": link_id})),
        )
        .await;
        api.expect(200, coach.get("/api/v1/coach/links")).await;
        api.expect(200, coach.get("/api/v1/coach/queue")).await;
        api.expect(200, coach.get(&format!("/api/v1/answers/{first_id}")))
            .await;
        api.expect(
            201,
            coach
                .post(&format!("/api/v1/answers/{first_id}/reviews"))
                .json(&json!({"checked": ticked, "comment": "good numbers"})),
        )
        .await;
        api.expect(200, user.get("/api/v1/calibration")).await;
        let learner_id = user.id().await;
        api.expect(
            201,
            coach
                .post("/api/v1/coach/assignments")
                .json(&json!({"learner_id": learner_id, "bank_id": "management-core"})),
        )
        .await;
        api.expect(
            422,
            coach
                .post("/api/v1/coach/assignments")
                .json(&json!({"learner_id": learner_id})),
        )
        .await;
        api.expect(
            204,
            user.delete(&format!("/api/v1/answers/{first_id}/shares/{link_id}")),
        )
        .await;
        api.expect(204, user.delete(&format!("/api/v1/coach/links/{link_id}")))
            .await;

        // Bodies over 2 MiB, and what the document itself answers.
        let huge = "x".repeat(2 * 1024 * 1024 + 1);
        api.expect(413, user.put(&draft).json(&json!({"situation": huge})))
            .await;
        api.expect(200, anonymous.get(url("/api/v1/openapi.json")))
            .await;

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
    let doc = document(&app).await;
    let api = Conformance::new(&doc);
    let today = json!({"$ref": "#/components/schemas/TodayCounts"});
    let good = json!({
        "due": 3, "learning": 1, "review": 2, "new": 5, "done_today": 0, "later_today": 1,
        "next_learning_due": "2026-12-03T14:10:00Z", "streak": {"current": 2, "longest": 4},
        "session": {"answers": 0, "questions": 0, "seconds_spent": 0, "items_ticked": 0,
            "items_total": 0, "items_ticked_before": 0, "items_ticked_compared": 0,
            "per_question": [], "next_due": null}
    });
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
    let doc = document(&app).await;
    let res = app.client().get(app.url("/api")).expect_status(200).await;
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

/// Every route the API registers is in the document, and nothing else: the
/// handlers' route attributes under `server/src/routes/api/` against the
/// document's operations.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn document_lists_every_api_route() {
    let app = TestApp::spawn(Backend::Sqlite).await.expect("sqlite app");
    let doc = document(&app).await;
    let documented: BTreeSet<String> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .unwrap()
                .keys()
                .map(move |method| format!("{} {path}", method.to_uppercase()))
        })
        .collect();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../server/src/routes/api");
    let mut routed = BTreeSet::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let source = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        for line in source.lines().map(str::trim) {
            for method in ["get", "post", "put", "patch", "delete"] {
                let Some(rest) = line.strip_prefix(&format!("#[{method}(\"")) else {
                    continue;
                };
                let path = rest.split('"').next().unwrap();
                routed.insert(format!("{} /api/v1{path}", method.to_uppercase()));
            }
        }
    }
    assert!(
        routed.len() > 50,
        "found only {} routes in {dir:?}",
        routed.len()
    );
    let undocumented: Vec<_> = routed.difference(&documented).collect();
    let unrouted: Vec<_> = documented.difference(&routed).collect();
    assert!(
        undocumented.is_empty(),
        "routes missing from the document: {undocumented:#?}"
    );
    assert!(
        unrouted.is_empty(),
        "documented but not routed: {unrouted:#?}"
    );
}
