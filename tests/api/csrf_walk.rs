//! Every state-changing route refuses a logged-in browser's request without
//! the CSRF token and lets it through with one: the API operations as the
//! OpenAPI document lists them, the page forms as the route modules declare
//! them. A route added later is walked without anyone listing it here.

use std::collections::BTreeSet;

use reqwest::{multipart, Method};
use starling::routes::api::PUBLIC_OPERATIONS;

use super::*;

const MUTATING: [&str; 4] = ["post", "put", "patch", "delete"];

/// A path with every `{parameter}` replaced by 1.
fn concrete(path: &str) -> String {
    let mut out = String::new();
    let mut rest = path;
    while let Some(open) = rest.find('{') {
        let close = rest[open..].find('}').expect("closing brace") + open;
        out.push_str(&rest[..open]);
        out.push('1');
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    out
}

async fn error_code(res: reqwest::Response) -> (u16, String) {
    let status = res.status().as_u16();
    let text = res.text().await.unwrap_or_default();
    let code = serde_json::from_str::<Value>(&text)
        .ok()
        .and_then(|v| v["error"]["code"].as_str().map(str::to_owned))
        .unwrap_or_default();
    (status, code)
}

on_both_databases!(
    every_api_change_needs_the_csrf_header_with_a_session,
    |app: TestApp| async move {
        let browser = app.registered_browser("walker").await;
        let token = csrf_from(&app.page(&browser, "/settings").await);
        let doc: Value = browser
            .get(app.url("/api/v1/openapi.json"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let mut walked = 0;
        let mut public = BTreeSet::new();
        for (path, item) in doc["paths"].as_object().unwrap() {
            for method in MUTATING {
                let Some(operation) = item.get(method) else {
                    continue;
                };
                let is_public = operation["security"].as_array().is_some_and(|s| {
                    s.iter()
                        .all(|r| r.as_object().is_some_and(|o| o.is_empty()))
                });
                if is_public {
                    public.insert(path.clone());
                    continue;
                }
                let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
                let url = app.url(&concrete(path));
                let without = browser
                    .request(method.clone(), &url)
                    .json(&json!({}))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(
                    error_code(without).await,
                    (403, "csrf_failed".to_owned()),
                    "{method} {path} without the header"
                );
                let wrong = browser
                    .request(method.clone(), &url)
                    .header("x-csrf-token", "00".repeat(32))
                    .json(&json!({}))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(
                    error_code(wrong).await,
                    (403, "csrf_failed".to_owned()),
                    "{method} {path} with a wrong header"
                );
                let with = browser
                    .request(method.clone(), &url)
                    .header("x-csrf-token", &token)
                    .json(&json!({}))
                    .send()
                    .await
                    .unwrap();
                let (status, code) = error_code(with).await;
                assert_ne!(
                    code, "csrf_failed",
                    "{method} {path} with the header ({status})"
                );
                walked += 1;
            }
        }
        assert!(walked >= 30, "only {walked} API operations walked");
        // The guard's exemptions are exactly the document's public operations.
        let exempt: BTreeSet<String> = PUBLIC_OPERATIONS.iter().map(|p| p.to_string()).collect();
        assert_eq!(public, exempt);

        // A bearer token needs no header, whatever cookie comes with it.
        let api = app.api_user("bearer").await;
        let res = api
            .patch("/api/v1/me")
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        assert_ne!(error_code(res).await.1, "csrf_failed");
    }
);

/// The page forms as declared in the route modules: (path, is multipart).
fn page_forms() -> Vec<(String, bool)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../server/src/routes");
    let mut forms = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let source = std::fs::read_to_string(&path).unwrap();
        assert!(
            !source.contains("web::post()") && !source.contains("web::put()"),
            "{} registers a form route outside the #[post] attributes this walk reads",
            path.display()
        );
        for (at, _) in source.match_indices("#[post(\"") {
            let start = at + "#[post(\"".len();
            let end = source[start..].find('"').unwrap() + start;
            let signature_end = source[end..].find(") -> ").unwrap() + end;
            let multipart = source[end..signature_end].contains("Multipart");
            let route = &source[start..end];
            // Forms behind a signed link in an email (unsubscribing) need no
            // session, so no CSRF token: the link's signature is the check
            // (reminders.rs forges one).
            if starling::routes::mail::SIGNED_LINK_FORMS.contains(&route) {
                continue;
            }
            forms.push((route.to_owned(), multipart));
        }
    }
    // Logging out last keeps the session for the others.
    forms.sort_by_key(|(path, _)| (path == "/logout", path.clone()));
    forms
}

fn multipart_form(token: &str) -> multipart::Form {
    multipart::Form::new()
        .text("csrf_token", token.to_owned())
        .text("text", "")
}

on_both_databases!(
    every_page_form_needs_the_csrf_token,
    |app: TestApp| async move {
        let browser = app.registered_browser("walker").await;
        let token = csrf_from(&app.page(&browser, "/settings").await);
        let forms = page_forms();
        assert!(forms.len() >= 25, "only {} page forms found", forms.len());
        for (path, is_multipart) in &forms {
            let url = app.url(&concrete(path));
            let wrong = "00".repeat(32);
            let attempts: Vec<(&str, reqwest::RequestBuilder)> = if *is_multipart {
                vec![(
                    "a wrong token",
                    browser.post(&url).multipart(multipart_form(&wrong)),
                )]
            } else {
                vec![
                    ("no token", browser.post(&url).form(&[("x", "1")])),
                    (
                        "a wrong token",
                        browser.post(&url).form(&[("csrf_token", wrong.as_str())]),
                    ),
                ]
            };
            for (what, request) in attempts {
                let res = request.send().await.unwrap();
                assert_eq!(res.status(), 403, "POST {path} with {what}");
                assert!(
                    res.text()
                        .await
                        .unwrap()
                        .contains("did not come from this site"),
                    "POST {path} with {what}"
                );
            }
            let with = if *is_multipart {
                browser.post(&url).multipart(multipart_form(&token))
            } else {
                browser.post(&url).form(&[("csrf_token", token.as_str())])
            };
            let res = with.send().await.unwrap();
            let status = res.status();
            let text = res.text().await.unwrap();
            assert!(
                !(status == 403 && text.contains("did not come from this site")),
                "POST {path} with the token ({status})"
            );
        }
    }
);
