//! Coach links through the API: invite, join, share, queue, coach review,
//! unlink, and who may see what (the authorization matrix).

use super::*;
use sea_orm::ConnectionTrait;

pub async fn invite_code(coach: &ApiUser) -> String {
    let res = coach.post("/api/v1/coach/invites").expect_status(201).await;
    let body: Value = res.json().await.unwrap();
    assert!(body["expires_at"].is_string());
    body["code"].as_str().unwrap().to_owned()
}

pub async fn join(learner: &ApiUser, code: &str) -> reqwest::Response {
    learner
        .post("/api/v1/coach/links")
        .json(&json!({"code": code}))
        .send()
        .await
        .unwrap()
}

on_both_databases!(invite_join_share_review_unlink, |app: TestApp| async move {
    let coach = app.coach_user("coachkim").await;
    let learner = app.api_user("lea").await;
    let (answer_id, rubric) = learner.answer_next().await;

    // Learners cannot create invites.
    assert_eq!(
        learner
            .post("/api/v1/coach/invites")
            .send()
            .await
            .unwrap()
            .status(),
        403
    );

    let code = invite_code(&coach).await;
    let res = join(&learner, &code.to_lowercase()).await;
    assert_eq!(res.status(), 201);
    let link: Value = res.json().await.unwrap();
    assert_eq!(link["coach"], "coachkim");
    assert_eq!(link["share_all"], true);
    let link_id = link["id"].as_i64().unwrap();
    // The code was single use.
    let other = app.api_user("otto").await;
    let res = join(&other, &code).await;
    assert_eq!(res.status(), 422);
    assert!(res.json::<Value>().await.unwrap()["error"]["message"]
        .as_str()
        .unwrap()
        .contains("already been used"));
    let res = join(&other, "NOSUCHCODE").await;
    assert_eq!(res.status(), 422);

    let coach_links: Vec<Value> = coach.get_json("/api/v1/coach/links").await;
    assert_eq!(coach_links.len(), 1);
    assert_eq!(coach_links[0]["my_role"], "coach");

    // Everything is shared by default: the answer is in the queue.
    let queue: Vec<Value> = coach.get_json("/api/v1/coach/queue").await;
    assert_eq!(queue.len(), 1);
    assert_eq!(queue[0]["answer_id"], answer_id);
    let seen: Value = coach
        .get_json(&format!("/api/v1/answers/{answer_id}"))
        .await;
    assert!(seen["action"]
        .as_str()
        .unwrap()
        .contains("mapped the blockers"));

    let res = coach
        .post(&format!("/api/v1/answers/{answer_id}/reviews"))
        .json(&json!({"checked": [rubric[0]], "comment": "Good start", "item_comments": [{"rubric_item_id": rubric[1], "comment": "Say what you decided"}]}))
        .expect_status(201)
        .await;
    let review: Value = res.json().await.unwrap();
    assert_eq!(review["kind"], "coach");
    assert_eq!(
        review["item_comments"][0]["comment"],
        "Say what you decided"
    );
    let queue: Vec<Value> = coach.get_json("/api/v1/coach/queue").await;
    assert!(queue.is_empty(), "reviewed answers leave the queue");

    // The learner sees the coach's feedback on the attempt.
    let mine: Value = learner
        .get_json(&format!("/api/v1/answers/{answer_id}"))
        .await;
    let kinds: Vec<&str> = mine["reviews"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["coach"]);

    // "Only answers I share": a new answer stays hidden until shared.
    learner
        .patch(&format!("/api/v1/coach/links/{link_id}"))
        .json(&json!({"share_all": false}))
        .expect_status(200)
        .await;
    let res = coach
        .patch(&format!("/api/v1/coach/links/{link_id}"))
        .json(&json!({"share_all": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403, "only the learner decides what is shared");
    let card = learner.next().await.unwrap();
    let second = learner
        .answer(card["question"]["id"].as_i64().unwrap())
        .await["id"]
        .as_i64()
        .unwrap();
    assert_eq!(
        coach
            .get(&format!("/api/v1/answers/{second}"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    assert_eq!(
        coach
            .get(&format!("/api/v1/answers/{answer_id}"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    learner
        .post(&format!("/api/v1/answers/{second}/shares"))
        .json(&json!({"link_id": link_id}))
        .expect_status(204)
        .await;
    assert_eq!(
        coach
            .get(&format!("/api/v1/answers/{second}"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let queue: Vec<Value> = coach.get_json("/api/v1/coach/queue").await;
    assert_eq!(queue.len(), 1);
    learner
        .delete(&format!("/api/v1/answers/{second}/shares/{link_id}"))
        .expect_status(204)
        .await;
    assert_eq!(
        coach
            .get(&format!("/api/v1/answers/{second}"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );

    // Ending the link stops all access at once.
    learner
        .patch(&format!("/api/v1/coach/links/{link_id}"))
        .json(&json!({"share_all": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        coach
            .get(&format!("/api/v1/answers/{answer_id}"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    coach
        .delete(&format!("/api/v1/coach/links/{link_id}"))
        .expect_status(204)
        .await;
    assert_eq!(
        coach
            .get(&format!("/api/v1/answers/{answer_id}"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    let queue: Vec<Value> = coach.get_json("/api/v1/coach/queue").await;
    assert!(queue.is_empty());
    let links: Vec<Value> = learner.get_json("/api/v1/coach/links").await;
    assert!(links.is_empty());
});

on_both_databases!(authorization_matrix, |app: TestApp| async move {
    let learner = app.api_user("lara").await;
    let (answer_id, rubric) = learner.answer_next().await;
    let other_learner = app.api_user("olaf").await;
    let unlinked_coach = app.coach_user("ucoach").await;
    let ended_coach = app.coach_user("ecoach").await;
    let chosen_coach = app.coach_user("ccoach").await;

    let code = invite_code(&ended_coach).await;
    let ended: Value = join(&learner, &code).await.json().await.unwrap();
    learner
        .delete(&format!("/api/v1/coach/links/{}", ended["id"]))
        .send()
        .await
        .unwrap();
    let code = invite_code(&chosen_coach).await;
    let chosen: Value = join(&learner, &code).await.json().await.unwrap();
    learner
        .patch(&format!("/api/v1/coach/links/{}", chosen["id"]))
        .json(&json!({"share_all": false}))
        .send()
        .await
        .unwrap();

    let anonymous = reqwest::Client::new();
    let read = format!("/api/v1/answers/{answer_id}");
    let review = format!("/api/v1/answers/{answer_id}/reviews");
    assert_eq!(
        anonymous.get(app.url(&read)).send().await.unwrap().status(),
        401
    );
    assert_eq!(
        anonymous
            .post(app.url(&review))
            .json(&json!({"checked": []}))
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
    assert_eq!(
        anonymous
            .get(app.url("/api/v1/coach/queue"))
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
    assert_eq!(
        anonymous
            .post(app.url("/api/v1/coach/invites"))
            .send()
            .await
            .unwrap()
            .status(),
        401
    );

    for (who, user) in [
        ("another learner", &other_learner),
        ("an unlinked coach", &unlinked_coach),
        ("a coach whose link ended", &ended_coach),
        ("a coach of an unshared answer", &chosen_coach),
    ] {
        let res = user.get(&read).send().await.unwrap();
        assert_eq!(res.status(), 404, "{who} reads");
        assert!(
            !res.text().await.unwrap().contains("release train"),
            "{who} got data"
        );
        let res = user
            .post(&review)
            .json(&json!({"checked": [rubric[0]], "comment": "x"}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 404, "{who} reviews");
        let queue: Vec<Value> = user.get_json("/api/v1/coach/queue").await;
        assert!(queue.is_empty(), "{who} sees a queue item");
        let res = user
            .delete(&format!("/api/v1/coach/links/{}", chosen["id"]))
            .send()
            .await
            .unwrap();
        if who != "a coach of an unshared answer" {
            assert_eq!(res.status(), 404, "{who} ends someone else's link");
        } else {
            assert_eq!(res.status(), 204, "a coach may end their own link");
        }
        let res = user
            .post(&format!("/api/v1/answers/{answer_id}/shares"))
            .json(&json!({"link_id": chosen["id"]}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 404, "{who} shares another user's answer");
    }
    let stored: Value = learner.get_json(&read).await;
    assert!(
        stored["reviews"].as_array().unwrap().is_empty(),
        "nobody else left a review"
    );

    // Expired invites are refused with a clear message.
    let code = invite_code(&unlinked_coach).await;
    app.db
        .execute_unprepared(&format!(
            "UPDATE coach_invites SET expires_at = created_at WHERE code = '{code}'"
        ))
        .await
        .unwrap();
    let res = join(&other_learner, &code).await;
    assert_eq!(res.status(), 422);
    assert!(res.json::<Value>().await.unwrap()["error"]["message"]
        .as_str()
        .unwrap()
        .contains("expired"));
});

on_both_databases!(calibration_and_unread_feedback, |app: TestApp| async move {
    let coach = app.coach_user("calcoach").await;
    let learner = app.api_user("cali").await;
    let code = invite_code(&coach).await;
    assert_eq!(join(&learner, &code).await.status(), 201);
    let (answer_id, rubric) = learner.answer_next().await;
    learner
        .post(&format!("/api/v1/answers/{answer_id}/reviews"))
        .json(&json!({"checked": [rubric[0], rubric[1]]}))
        .expect_status(201)
        .await;
    coach
        .post(&format!("/api/v1/answers/{answer_id}/reviews"))
        .json(&json!({"checked": [rubric[0], rubric[2]], "comment": "Close"}))
        .expect_status(201)
        .await;

    let me: Value = learner.get_json("/api/v1/me").await;
    assert_eq!(me["unread_feedback"], 1);
    let figures: Vec<Value> = learner.get_json("/api/v1/calibration").await;
    assert_eq!(
        figures.len(),
        rubric.len(),
        "every checklist item compared once"
    );
    let of = |id: i64| {
        figures
            .iter()
            .find(|f| f["rubric_item_id"] == id)
            .unwrap()
            .clone()
    };
    assert_eq!(
        (
            of(rubric[0])["agreed"].as_i64(),
            of(rubric[0])["over_rated"].as_i64()
        ),
        (Some(1), Some(0))
    );
    assert_eq!(of(rubric[1])["over_rated"], 1, "ticked by the learner only");
    assert_eq!(of(rubric[2])["under_rated"], 1, "ticked by the coach only");
    assert_eq!(
        figures[0]["rubric_item_id"], rubric[1],
        "over-rated items first"
    );

    // Opening the answer reads the feedback.
    let _: Value = learner
        .get_json(&format!("/api/v1/answers/{answer_id}"))
        .await;
    let me: Value = learner.get_json("/api/v1/me").await;
    assert_eq!(me["unread_feedback"], 0);
    // The coach reading it does not mark it read for the learner.
    let coach_me: Value = coach.get_json("/api/v1/me").await;
    assert_eq!(coach_me["unread_feedback"], 0);
});

on_both_databases!(coach_and_learner_in_the_pages, |app: TestApp| async move {
    let _coach = app.coach_user("pagecoach").await;
    let learner = app.api_user("pagelearner").await;
    let (answer_id, _) = learner.answer_next().await;
    let coach_page = app.browser_as("pagecoach").await;
    let learner_page = app.browser_as("pagelearner").await;

    // The coach creates an invite code on the Coaching page.
    let page = app.page(&coach_page, "/coaching").await;
    let res = coach_page
        .post(app.url("/coaching/invites"))
        .form(&[("csrf_token", csrf_from(&page))])
        .expect_status(200)
        .await;
    let page = res.text().await.unwrap();
    let marker = "id=\"invite-code\">";
    let start = page.find(marker).unwrap() + marker.len();
    let code = page[start..].split('<').next().unwrap().to_owned();

    // A wrong code is refused on the page; the right one links.
    let page = app.page(&learner_page, "/coaching").await;
    assert!(
        !page.contains("create-invite"),
        "learners get no invite button"
    );
    let token = csrf_from(&page);
    let res = learner_page
        .post(app.url("/coaching/join"))
        .form(&[("csrf_token", token.as_str()), ("code", "WRONG")])
        .expect_status(422)
        .await;
    assert!(res
        .text()
        .await
        .unwrap()
        .contains("no invite has this code"));
    learner_page
        .post(app.url("/coaching/join"))
        .form(&[("csrf_token", token.as_str()), ("code", code.as_str())])
        .expect_status(303)
        .await;
    let page = app.page(&learner_page, "/coaching").await;
    assert!(page.contains("pagecoach"));

    // The coach's dashboard lists the learner with their figures.
    let dashboard = app.page(&coach_page, "/coaching").await;
    let row = dashboard
        .split("<td>pagelearner</td>")
        .nth(1)
        .expect("learner row");
    assert!(row.contains("never"), "no grade yet: {row}");
    assert!(row.contains("1 of "), "one competency answered: {row}");

    let learner_id = learner.id().await.to_string();
    let res = coach_page
        .post(app.url("/coaching/assign"))
        .form(&[
            ("csrf_token", csrf_from(&dashboard).as_str()),
            ("learner_id", learner_id.as_str()),
            ("bank_id", "management-core"),
        ])
        .expect_status(200)
        .await;
    assert!(res
        .text()
        .await
        .unwrap()
        .contains("id=\"coaching-message\">Assigned "));

    // The coach reviews from the queue, with an item comment.
    let queue = app.page(&coach_page, "/coaching/queue").await;
    assert!(queue.contains(&format!("/coaching/review/{answer_id}")));
    let review = app
        .page(&coach_page, &format!("/coaching/review/{answer_id}"))
        .await;
    assert!(review.contains("mapped the blockers"));
    let first_item = review
        .split("name=\"checked\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    coach_page
        .post(app.url(&format!("/coaching/review/{answer_id}")))
        .form(&[
            ("csrf_token", csrf_from(&review).as_str()),
            ("checked", first_item.as_str()),
            (format!("note_{first_item}").as_str(), "Name the date"),
            ("comment", "Clear story <b>overall</b>"),
        ])
        .expect_status(303)
        .await;
    let queue = app.page(&coach_page, "/coaching/queue").await;
    assert!(queue.contains("Nothing to review."));

    // The learner sees a badge on Today, then the feedback on the attempt.
    let today = app.page(&learner_page, "/today").await;
    assert!(today.contains("id=\"unread-feedback\""));
    let history = app.page(&learner_page, "/history").await;
    assert!(
        history.contains("id=\"nav-unread\" title=\"new coach feedback\">1<"),
        "count in the navigation"
    );
    let attempt = app
        .page(&learner_page, &format!("/answers/{answer_id}"))
        .await;
    assert!(attempt.contains("Feedback from your coach pagecoach"));
    assert!(attempt.contains("Name the date"));
    assert!(
        attempt.contains("Clear story &lt;b&gt;overall"),
        "comments are escaped"
    );
    assert!(
        !attempt.contains("nav-unread"),
        "the count drops on the page that reads the feedback"
    );
    // With a self-review too, the calibration page compares the two.
    learner
        .post(&format!("/api/v1/answers/{answer_id}/reviews"))
        .json(&json!({"checked": [first_item.parse::<i64>().unwrap()]}))
        .expect_status(201)
        .await;
    let calibration = app.page(&learner_page, "/calibration").await;
    assert!(!calibration.contains("No answer has both"), "{calibration}");
    assert!(
        calibration.contains("1 (100%)"),
        "the ticked item agrees: {calibration}"
    );
    let today = app.page(&learner_page, "/today").await;
    assert!(
        !today.contains("id=\"unread-feedback\""),
        "read once opened"
    );
    assert!(!today.contains("nav-unread"));

    // The coach's pages are closed to the learner's other answers' strangers.
    let stranger = app.api_user("pagestranger").await;
    drop(stranger);
    let stranger_page = app.browser_as("pagestranger").await;
    stranger_page
        .get(app.url(&format!("/coaching/review/{answer_id}")))
        .expect_status(404)
        .await;
});

on_both_databases!(coach_assignments_come_first, |app: TestApp| async move {
    let coach = app.coach_user("acoach").await;
    let learner = app.api_user("alearner").await;
    let stranger = app.coach_user("astranger").await;
    let bank = "[bank]\nid = \"acoach-house\"\ntitle = \"House\"\n\n[[competency]]\nid = \"h\"\nname = \"House\"\n\n[[question]]\nid = \"h1\"\ncompetency = \"h\"\nprompt = \"Tell me about our values in action.\"\nrubric = [\"Names a value\"]\n\n[[question]]\nid = \"h2\"\ncompetency = \"h\"\nprompt = \"Tell me about a time you broke a rule.\"\nrubric = [\"Says why\"]\n";
    coach
        .post("/api/v1/banks?format=toml")
        .body(bank)
        .expect_status(201)
        .await;
    let learner_id = learner.id().await;

    // Not linked yet: no assignment, and the coach's bank stays private.
    coach
        .post("/api/v1/coach/assignments")
        .json(&json!({"learner_id": learner_id, "bank_id": "acoach-house"}))
        .expect_status(404)
        .await;
    let banks: Vec<Value> = learner.get_json("/api/v1/banks").await;
    assert!(banks.iter().all(|b| b["id"] != "acoach-house"));

    let code = invite_code(&coach).await;
    let link: Value = join(&learner, &code).await.json().await.unwrap();
    let banks: Vec<Value> = learner.get_json("/api/v1/banks").await;
    let shared = banks
        .iter()
        .find(|b| b["id"] == "acoach-house")
        .expect("a linked coach's bank is shared");
    assert_eq!(shared["ownership"], "shared");

    let res = stranger
        .post("/api/v1/coach/assignments")
        .json(&json!({"learner_id": learner_id, "bank_id": "acoach-house"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404, "only linked coaches assign");
    let res = coach
        .post("/api/v1/coach/assignments")
        .json(&json!({"learner_id": learner_id, "bank_id": "acoach-house"}))
        .expect_status(201)
        .await;
    assert_eq!(res.json::<Value>().await.unwrap()["assigned"], 2);
    let res = coach
        .post("/api/v1/coach/assignments")
        .json(&json!({"learner_id": learner_id, "bank_id": "acoach-house"}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.json::<Value>().await.unwrap()["assigned"],
        0,
        "assigning twice adds nothing"
    );

    // Assigned questions come first, in bank order.
    for expected in ["h1", "h2"] {
        let card = learner.next().await.unwrap();
        assert_eq!(card["question"]["key"], expected);
        learner
            .grade(card["card_id"].as_i64().unwrap(), "good", None)
            .await;
    }
    let card = learner.next().await.unwrap();
    assert_eq!(card["question"]["bank"], "management-core");

    // Ending the link takes the coach's bank away again.
    learner
        .delete(&format!("/api/v1/coach/links/{}", link["id"]))
        .send()
        .await
        .unwrap();
    let banks: Vec<Value> = learner.get_json("/api/v1/banks").await;
    assert!(banks.iter().all(|b| b["id"] != "acoach-house"));
});
