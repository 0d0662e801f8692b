//! The story bank: write, tag, edit, delete, the matrix with its gaps, and
//! starting an answer from a story (API and pages).

use super::*;

fn story(title: &str, competencies: &[&str]) -> Value {
    json!({
        "title": title,
        "situation": "Our on-call rota burned out two engineers in a quarter.",
        "task": "I owned the rota and the team's health.",
        "action": "I split the rota, wrote runbooks and paid for weekend cover.",
        "result": "Pages per week fell from 30 to 8 and nobody left.",
        "reflection": "I watch pager load monthly now.",
        "competencies": competencies,
    })
}

on_both_databases!(stories_cover_competencies, |app: TestApp| async move {
    let user = app.api_user("stella").await;
    let matrix: Value = user.get_json("/api/v1/stories/matrix").await;
    let all_keys: Vec<String> = matrix["competencies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["key"].as_str().unwrap().to_owned())
        .collect();
    assert!(all_keys.len() >= 10, "the default bank's competencies");
    assert_eq!(
        matrix["uncovered"],
        json!(all_keys),
        "no story yet: all are gaps"
    );
    assert_eq!(matrix["stories"], json!([]));

    let res = user
        .post("/api/v1/stories")
        .json(&story(
            "On-call rota",
            &["conflict", "delegation", "conflict"],
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
    let rota: Value = res.json().await.unwrap();
    assert_eq!(rota["competencies"], json!(["conflict", "delegation"]));
    let rota_id = rota["id"].as_i64().unwrap();
    let res = user
        .post("/api/v1/stories")
        .json(&story("Budget cut", &["budget"]))
        .expect_status(201)
        .await;
    let budget_id = res.json::<Value>().await.unwrap()["id"].as_i64().unwrap();

    let matrix: Value = user.get_json("/api/v1/stories/matrix").await;
    let uncovered: Vec<&str> = matrix["uncovered"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k.as_str().unwrap())
        .collect();
    assert_eq!(uncovered.len(), all_keys.len() - 3);
    for covered in ["conflict", "delegation", "budget"] {
        assert!(!uncovered.contains(&covered));
    }
    let column = |key: &str| {
        matrix["competencies"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["key"] == key)
            .unwrap()["stories"]
            .clone()
    };
    assert_eq!(column("conflict"), json!([rota_id]));
    assert_eq!(column("budget"), json!([budget_id]));
    let rows = matrix["stories"].as_array().unwrap();
    assert_eq!(rows.len(), 2);
    let rota_row = rows.iter().find(|r| r["id"] == rota_id).unwrap();
    let flags = rota_row["covers"].as_array().unwrap();
    assert_eq!(flags.len(), all_keys.len());
    assert_eq!(flags.iter().filter(|f| f == &&json!(true)).count(), 2);

    // Edit: retag; the matrix follows.
    user.put(&format!("/api/v1/stories/{rota_id}"))
        .json(&story("On-call rota, 2024", &["delegation"]))
        .expect_status(200)
        .await;
    let matrix: Value = user.get_json("/api/v1/stories/matrix").await;
    assert!(matrix["uncovered"]
        .as_array()
        .unwrap()
        .contains(&json!("conflict")));

    // Bad input: no title, unknown competency, too long a title.
    for (body, field) in [
        (story("  ", &[]), "title"),
        (story("Fine", &["juggling"]), "competencies"),
        (story(&"x".repeat(201), &[]), "title"),
    ] {
        let res = user
            .post("/api/v1/stories")
            .json(&body)
            .expect_status(422)
            .await;
        assert_eq!(res.json::<Value>().await.unwrap()["error"]["field"], field);
    }

    // Another user sees none of it and cannot touch it.
    let other = app.api_user("otto").await;
    let list: Vec<Value> = other.get_json("/api/v1/stories").await;
    assert!(list.is_empty());
    for res in [
        other
            .get(&format!("/api/v1/stories/{rota_id}"))
            .send()
            .await
            .unwrap(),
        other
            .put(&format!("/api/v1/stories/{rota_id}"))
            .json(&story("Mine now", &[]))
            .send()
            .await
            .unwrap(),
        other
            .delete(&format!("/api/v1/stories/{rota_id}"))
            .send()
            .await
            .unwrap(),
    ] {
        assert_eq!(res.status(), 404);
    }
    let mine: Value = user.get_json(&format!("/api/v1/stories/{rota_id}")).await;
    assert_eq!(mine["title"], "On-call rota, 2024");

    // An answer started from a story remembers it; another user's story is refused.
    let card = user.next().await.unwrap();
    let question_id = card["question"]["id"].as_i64().unwrap();
    let mut body = story("", &[]);
    body["question_id"] = json!(question_id);
    body["story_id"] = json!(rota_id);
    let res = user
        .post("/api/v1/answers")
        .json(&body)
        .expect_status(201)
        .await;
    let answer: Value = res.json().await.unwrap();
    assert_eq!(answer["story_id"], rota_id);
    body["story_id"] = json!(budget_id);
    other
        .post("/api/v1/answers")
        .json(&body)
        .expect_status(404)
        .await;
    let mine: Value = user.get_json(&format!("/api/v1/stories/{rota_id}")).await;
    assert_eq!(mine["answers"], 1);

    // Deleting the story keeps the answer's text.
    user.delete(&format!("/api/v1/stories/{rota_id}"))
        .expect_status(204)
        .await;
    let kept: Value = user
        .get_json(&format!("/api/v1/answers/{}", answer["id"]))
        .await;
    assert!(kept["story_id"].is_null());
    assert!(kept["action"].as_str().unwrap().contains("runbooks"));
    let list: Vec<Value> = user.get_json("/api/v1/stories").await;
    assert_eq!(list.len(), 1);
});

on_both_databases!(
    story_pages_work_without_scripts,
    |app: TestApp| async move {
        let browser = app.registered_browser("tess").await;
        let page = |path: &'static str| {
            let browser = &browser;
            let url = app.url(path);
            async move { browser.get(url).send().await.unwrap().text().await.unwrap() }
        };
        let html = page("/stories/new").await;
        let csrf = csrf_from(&html);
        assert!(html.contains("name=\"competencies\" value=\"feedback\""));

        // A refused form keeps what was typed.
        let res = browser
            .post(app.url("/stories"))
            .form(&[
                ("csrf_token", csrf.as_str()),
                ("title", ""),
                ("action", "I <b>rebuilt</b> the rota"),
                ("competencies", "conflict"),
            ])
            .expect_status(422)
            .await;
        let html = res.text().await.unwrap();
        assert!(html.contains("give the story a title"));
        assert!(html.contains("I &lt;b&gt;rebuilt&lt;&#x2f;b&gt; the rota"));
        assert!(html.contains("value=\"conflict\" checked"));

        let res = browser
            .post(app.url("/stories"))
            .form(&[
                ("csrf_token", csrf.as_str()),
                ("title", "Rota <script>alert(1)</script>"),
                ("situation", "The rota was unfair."),
                ("action", "I rebuilt the rota"),
                ("competencies", "conflict"),
                ("competencies", "delegation"),
            ])
            .expect_status(303)
            .await;
        assert_eq!(res.headers()["location"], "/stories");
        let html = page("/stories").await;
        assert!(html.contains("id=\"story-matrix\""));
        assert!(html.contains("Rota &lt;script&gt;alert(1)&lt;&#x2f;script&gt;"));
        assert!(!html.contains("<script>alert(1)"));
        assert!(html.contains("No story covers yet"));
        // Without the token nothing is saved.
        browser
            .post(app.url("/stories"))
            .form(&[("csrf_token", "forged"), ("title", "Sneaky")])
            .expect_status(403)
            .await;

        // Start an answer from the story on the question page.
        let card_path = location(browser.get(app.url("/practice")).send().await.unwrap());
        let html = app.page(&browser, &card_path).await;
        assert!(
            html.contains("id=\"story-pick\""),
            "the question page offers stories"
        );
        let story_id = {
            let marker = "<option value=\"";
            let start = html.find(marker).unwrap() + marker.len();
            let end = html[start..].find('"').unwrap() + start;
            html[start..end].to_owned()
        };
        let html = app
            .page(&browser, &format!("{card_path}?story={story_id}"))
            .await;
        assert!(html.contains("id=\"story-notice\""));
        assert!(html.contains(">I rebuilt the rota</textarea>"));
        assert!(html.contains(&format!("name=\"story_id\" value=\"{story_id}\"")));
        let csrf = csrf_from(&html);
        let res = browser
            .post(app.url(&card_path))
            .form(&[
                ("csrf_token", csrf.as_str()),
                ("situation", "The rota was unfair."),
                ("action", "I rebuilt the rota for this team"),
                ("story_id", story_id.as_str()),
            ])
            .send()
            .await
            .unwrap();
        assert!(location(res).ends_with("/review"));
        let stories = page("/stories").await;
        assert!(stories.contains("used in 1 attempt"), "{stories}");

        // Someone else's story id on the question page is not found.
        let other = app.registered_browser("uma").await;
        let their_card = location(other.get(app.url("/practice")).send().await.unwrap());
        assert!(their_card.starts_with("/practice/"));
        let res = other
            .get(app.url(&format!("{their_card}?story={story_id}")))
            .expect_status(404)
            .await;
        assert!(!res.text().await.unwrap().contains("I rebuilt the rota"));
    }
);
