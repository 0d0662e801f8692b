//! Registration, tokens, the current user, health, settings.

use super::*;

on_both_databases!(register_token_and_me, |app: TestApp| async move {
    let client = app.client();
    let res = client
        .post(app.url("/api/v1/auth/register"))
        .json(&json!({"username": "Ann.Lee", "password": "correct horse battery"}))
        .expect_status(201)
        .await;
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["username"], "ann.lee");
    assert_eq!(body["role"], "learner");
    assert!(body["id"].as_i64().is_some());

    // The same name in other case is taken.
    let res = client
        .post(app.url("/api/v1/auth/register"))
        .json(&json!({"username": "ANN.LEE", "password": "another password"}))
        .expect_status(409)
        .await;
    let err: Value = res.json().await.unwrap();
    assert_eq!(err["error"]["code"], "conflict");
    assert!(err["error"]["message"].as_str().unwrap().contains("taken"));

    for (payload, field) in [
        (
            json!({"username": "ab", "password": "long enough pw"}),
            "username",
        ),
        (
            json!({"username": "bad name", "password": "long enough pw"}),
            "username",
        ),
        (
            json!({"username": "carol", "password": "short"}),
            "password",
        ),
    ] {
        let res = client
            .post(app.url("/api/v1/auth/register"))
            .json(&payload)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 422, "{payload}");
        let err: Value = res.json().await.unwrap();
        assert_eq!(err["error"]["field"], field);
    }
    client
        .post(app.url("/api/v1/auth/register"))
        .header("content-type", "application/json")
        .body("{not json")
        .expect_status(400)
        .await;

    // Wrong password and unknown user look the same.
    for (user, password) in [
        ("ann.lee", "wrong password"),
        ("nobody", "correct horse battery"),
    ] {
        let res = client
            .post(app.url("/api/v1/auth/token"))
            .json(&json!({"username": user, "password": password}))
            .expect_status(401)
            .await;
        let err: Value = res.json().await.unwrap();
        assert_eq!(err["error"]["code"], "bad_credentials");
    }

    let res = client
        .post(app.url("/api/v1/auth/token"))
        .json(&json!({"username": "Ann.Lee", "password": "correct horse battery"}))
        .expect_status(200)
        .await;
    let token = res.json::<Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned();

    let me: Value = client
        .get(app.url("/api/v1/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["username"], "ann.lee");
    assert_eq!(me["time_zone"], "UTC");
    assert_eq!(me["new_per_day"], 5);

    client.get(app.url("/api/v1/me")).expect_status(401).await;
    let res = client
        .get(app.url("/api/v1/me"))
        .bearer_auth("not-a-token")
        .expect_status(401)
        .await;
    assert_eq!(
        res.json::<Value>().await.unwrap()["error"]["code"],
        "unauthenticated"
    );
});

on_both_databases!(health_and_unknown_endpoints, |app: TestApp| async move {
    let client = app.client();
    client.get(app.url("/healthz")).expect_status(200).await;
    let res = client
        .get(app.url("/api/v1/nothing-here"))
        .expect_status(404)
        .await;
    assert_eq!(
        res.json::<Value>().await.unwrap()["error"]["code"],
        "not_found"
    );
});

on_both_databases!(settings_are_validated, |app: TestApp| async move {
    let user = app.api_user("sam").await;
    let res = user
        .patch("/api/v1/me")
        .json(&json!({"time_zone": "Europe/Berlin", "new_per_day": 3}))
        .expect_status(200)
        .await;
    let me: Value = res.json().await.unwrap();
    assert_eq!(me["time_zone"], "Europe/Berlin");
    assert_eq!(me["new_per_day"], 3);
    assert_eq!(me["reviews_per_day"], 100);

    for bad in [
        json!({"time_zone": "Mars/Olympus"}),
        json!({"new_per_day": -1}),
        json!({"desired_retention": 0.5}),
    ] {
        let res = user.patch("/api/v1/me").json(&bad).send().await.unwrap();
        assert_eq!(res.status(), 422, "{bad}");
    }
    let me: Value = user.get_json("/api/v1/me").await;
    assert_eq!(
        me["time_zone"], "Europe/Berlin",
        "a refused change changes nothing"
    );
});
