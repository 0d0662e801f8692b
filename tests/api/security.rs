//! Login throttling (per account and per address, shared through the
//! database), and the security headers every response carries.

use super::*;

async fn token_attempt(app: &TestApp, username: &str, password: &str) -> reqwest::Response {
    app.client()
        .post(app.url("/api/v1/auth/token"))
        .json(&json!({"username": username, "password": password}))
        .send()
        .await
        .unwrap()
}

on_both_databases!(logins_are_throttled, |app: TestApp| async move {
    app.api_user("tara").await;
    for _ in 0..5 {
        assert_eq!(
            token_attempt(&app, "tara", "wrong password!")
                .await
                .status(),
            401
        );
    }
    // The sixth attempt is refused even with the right password.
    let res = token_attempt(&app, "TARA", "correct horse battery").await;
    assert_eq!(res.status(), 429);
    let wait: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=15 * 60).contains(&wait), "{wait}");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "too_many_requests");
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("for this account"));
    // The login page says the same, with the same header.
    let browser = app.client();
    let html = app.page(&browser, "/login").await;
    let csrf = csrf_from(&html);
    let res = browser
        .post(app.url("/login"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("username", "tara"),
            ("password", "correct horse battery"),
        ])
        .expect_status(429)
        .await;
    assert!(res.headers().contains_key("retry-after"));
    assert!(res.text().await.unwrap().contains("too many failed logins"));

    // Another account is not locked by tara's failures.
    app.api_user("uli").await;
    assert_eq!(
        token_attempt(&app, "uli", "correct horse battery")
            .await
            .status(),
        200
    );
    // A success clears the account's failures: 4 + 4 failures never lock.
    for _ in 0..2 {
        for _ in 0..4 {
            assert_eq!(
                token_attempt(&app, "uli", "nope nope nope").await.status(),
                401
            );
        }
        assert_eq!(
            token_attempt(&app, "uli", "correct horse battery")
                .await
                .status(),
            200
        );
    }

    // One address failing across many accounts (guessing names) is stopped too:
    // 20 failures in the window, here 5 + 8 so far plus 7 unknown names.
    for n in 0..7 {
        assert_eq!(
            token_attempt(&app, &format!("ghost{n}"), "whatever it is")
                .await
                .status(),
            401
        );
    }
    let res = token_attempt(&app, "uli", "correct horse battery").await;
    assert_eq!(res.status(), 429);
    assert!(res.text().await.unwrap().contains("from your address"));
});

on_both_databases!(
    responses_carry_security_headers,
    |app: TestApp| async move {
        for path in ["/login", "/api/v1/me", "/static/app.css", "/no-such-page"] {
            let res = app.client().get(app.url(path)).send().await.unwrap();
            let headers = res.headers();
            let csp = headers["content-security-policy"].to_str().unwrap();
            assert!(csp.contains("default-src 'self'"), "{path}: {csp}");
            assert!(csp.contains("frame-ancestors 'none'"), "{path}");
            assert!(!csp.contains("unsafe-inline"), "{path}: no inline script");
            assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
            assert_eq!(headers["x-frame-options"], "DENY", "{path}");
            assert!(headers.contains_key("referrer-policy"), "{path}");
        }
        // No page has an inline script or a style attribute the CSP would
        // block; each is well formed enough: a plain-text title, unique ids.
        let browser = app.registered_browser("hedy").await;
        for path in [
            "/today",
            "/history",
            "/stories",
            "/settings",
            "/banks",
            "/coaching",
            "/leeches",
            "/progress",
            "/mock",
            "/questions",
            "/api",
        ] {
            let html = app.page(&browser, path).await;
            assert!(!html.contains("<script>"), "{path} has an inline script");
            assert!(!html.contains(" style=\""), "{path} has a style attribute");
            assert!(!html.contains(" onclick="), "{path} has an inline handler");
            let title = html
                .split("<title>")
                .nth(1)
                .and_then(|t| t.split("</title>").next());
            assert!(
                title.is_some_and(|t| !t.contains('<')),
                "{path}: the title is not plain text: {title:?}"
            );
            let mut ids = std::collections::BTreeSet::new();
            for id in html
                .split(" id=\"")
                .skip(1)
                .filter_map(|s| s.split('"').next())
            {
                assert!(ids.insert(id), "{path}: the id {id:?} is used twice");
            }
        }
    }
);

on_both_databases!(
    api_tokens_are_listed_and_revoked,
    |app: TestApp| async move {
        let user = app.api_user("tobi").await;
        let tokens: Vec<Value> = user.get_json("/api/v1/tokens").await;
        assert_eq!(tokens.len(), 1);
        let first = tokens[0]["id"].as_str().unwrap().to_owned();
        assert_eq!(first.len(), 12);
        assert!(
            !tokens[0]["last_used_at"].is_null(),
            "this very request used it"
        );
        // A second token; the list never shows a token itself.
        let res = user.post("/api/v1/tokens").expect_status(201).await;
        let created: Value = res.json().await.unwrap();
        let second = created["token"].as_str().unwrap().to_owned();
        let listed = user
            .get("/api/v1/tokens")
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(!listed.contains(&second) && !listed.contains(&user.token));
        // Another user cannot revoke it.
        let other = app.api_user("tess").await;
        other
            .delete(&format!("/api/v1/tokens/{first}"))
            .expect_status(404)
            .await;
        // Revoking the first token ends it at once; the second still works.
        let with_second = ApiUser {
            base: user.base.clone(),
            token: second,
            client: reqwest::Client::new(),
        };
        with_second
            .delete(&format!("/api/v1/tokens/{first}"))
            .expect_status(204)
            .await;
        assert_eq!(user.get("/api/v1/me").send().await.unwrap().status(), 401);
        assert_eq!(
            with_second.get("/api/v1/me").send().await.unwrap().status(),
            200
        );
        with_second
            .delete("/api/v1/tokens/not-a-token")
            .expect_status(404)
            .await;

        // The Settings page creates a token (shown once) and revokes it.
        let browser = app.browser_as("tess").await;
        let html = app.page(&browser, "/settings").await;
        let csrf = csrf_from(&html);
        let res = browser
            .post(app.url("/settings/tokens"))
            .form(&[("csrf_token", csrf.as_str())])
            .expect_status(200)
            .await;
        let html = res.text().await.unwrap();
        assert!(html.contains("id=\"new-token\""));
        let mine: Vec<Value> = other.get_json("/api/v1/tokens").await;
        assert!(mine.len() >= 2);
        let newest = mine[0]["id"].as_str().unwrap().to_owned();
        let res = browser
            .post(app.url(&format!("/settings/tokens/{newest}/revoke")))
            .form(&[("csrf_token", csrf.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(location(res), "/settings?revoked=1#tokens");
        let after: Vec<Value> = other.get_json("/api/v1/tokens").await;
        assert_eq!(after.len(), mine.len() - 1);
    }
);
