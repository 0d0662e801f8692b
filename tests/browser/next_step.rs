//! Feedback and a clear next step in a browser: the first-run start on
//! Today, the notice after a grade on the next question, and the session
//! summary after the day's last grade; none wider than a phone's screen.

use sea_orm::ConnectionTrait;

use super::*;

/// The current page at a phone's width: no sideways scroll; then the desktop
/// and phone screenshots.
async fn check_and_screenshot(client: &Client, name: &str, focus: Option<&str>) {
    client.set_window_size(390, 844).await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_no_sideways_scroll(client, name).await;
    client.set_window_size(1280, 1000).await.unwrap();
    screenshots(client, name, focus).await;
}

async fn answer_and_grade(client: &Client, rating: &str) {
    wait_for_path(client, "a question", is_question_page).await;
    type_into(
        client,
        "#situation",
        "Two teams fought over one on-call rota.",
    )
    .await;
    type_into(
        client,
        "#action",
        "I met both leads and we wrote the rota together.",
    )
    .await;
    type_into(client, "#result", "No missed pages over the holidays.").await;
    click(client, "#submit-answer").await;
    wait_for_path(client, "the review page", is_review_page).await;
    let boxes = client.find_all(css("input[name=checked]")).await.unwrap();
    for checkbox in boxes.iter().take(2) {
        checkbox.click().await.unwrap();
    }
    click(client, &format!("#grade-{rating}")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn first_run_grade_notice_and_session_summary_in_a_browser() {
    let Some(chromedriver) = find_chromedriver() else {
        return;
    };
    let _turn = ONE_BROWSER_AT_A_TIME.lock().await;
    let app = TestApp::spawn(Backend::Sqlite).await.expect("sqlite app");
    let (_driver, client) = browser(&chromedriver).await;

    client.goto(&app.url("/register")).await.unwrap();
    type_into(&client, "#username", "rosa").await;
    type_into(&client, "#password", "correct horse battery").await;
    type_into(&client, "#password_confirm", "correct horse battery").await;
    click(&client, "#register").await;
    wait_for_path(&client, "/today after registering", |p| p == "/today").await;
    client.wait().for_element(css("#first-run")).await.unwrap();
    check_and_screenshot(&client, "today-first-run", None).await;

    // Two new questions today, so the second grade ends the day.
    app.db
        .execute_unprepared("UPDATE users SET new_per_day = 2 WHERE username = 'rosa'")
        .await
        .unwrap();
    click(&client, "#first-run-start").await;
    answer_and_grade(&client, "easy").await;
    wait_for_path(&client, "the next question", is_question_page).await;
    let notice = text_of(&client, "#graded-notice").await;
    assert!(notice.starts_with("Easy — back "), "{notice}");
    assert!(notice.contains("1 left today"), "{notice}");
    check_and_screenshot(&client, "question-graded", Some("#graded-notice")).await;

    answer_and_grade(&client, "easy").await;
    wait_for_path(&client, "Today after the last grade", |p| p == "/today").await;
    let notice = text_of(&client, "#graded-notice").await;
    assert!(notice.starts_with("Easy — back "), "{notice}");
    let summary = text_of(&client, "#session-summary").await;
    assert!(summary.contains("Questions answered"), "{summary}");
    check_and_screenshot(&client, "today-summary", Some("#done")).await;
    client.close().await.unwrap();
}
