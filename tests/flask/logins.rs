//! Logins and remember cookies across both apps.

use super::*;

#[tokio::test]
async fn a_flask_login_is_recognised_by_axum_and_back() {
    let flask = start_flask(KEY, &[]);
    let axum = axum_app(signer()).await;
    let mut jar = Jar::default();
    assert_eq!(
        post(&format!("{}/login", flask.url), &[("email", FOO)], &mut jar).await,
        (200, "ok".into())
    );
    assert!(
        jar.0.contains_key("session"),
        "Flask set its session cookie"
    );
    assert_eq!(
        get(&format!("{axum}/protected"), &mut jar).await,
        (200, format!("Logged in as: {FOO}"))
    );
    // The same client as Flask saw: axum computes the same `_id`, so session protection
    // leaves the login fresh...
    assert_eq!(
        get(&format!("{axum}/fresh"), &mut jar.clone()).await,
        (200, "fresh".into())
    );
    // ...and another User-Agent with the same cookie is not the same client.
    let res = client()
        .get(format!("{axum}/fresh"))
        .header(USER_AGENT, "someone else")
        .header(COOKIE, jar.header())
        .send()
        .await
        .expect("GET /fresh");
    assert_eq!(res.text().await.expect("body"), "not fresh");
    // Whatever axum wrote (if anything), Flask still reads it.
    assert_eq!(
        get(&format!("{}/whoami", flask.url), &mut jar).await,
        (200, FOO.into())
    );
    // A logout on axum is a logout on Flask.
    assert_eq!(post(&format!("{axum}/logout"), &[], &mut jar).await.0, 200);
    assert_eq!(
        get(&format!("{}/whoami", flask.url), &mut jar).await,
        (200, "anonymous".into())
    );
    let (status, _) = get(&format!("{axum}/protected"), &mut Jar::default()).await;
    assert_eq!(
        status, 303,
        "anonymous on axum is redirected to the login view"
    );
}

#[tokio::test]
async fn an_axum_login_is_recognised_by_flask_and_back() {
    let flask = start_flask(KEY, &[]);
    let axum = axum_app(signer()).await;
    let mut jar = Jar::default();
    assert_eq!(
        post(&format!("{axum}/login"), &[("email", FOO)], &mut jar).await,
        (200, "ok".into())
    );
    assert_eq!(
        get(&format!("{}/protected", flask.url), &mut jar).await,
        (200, format!("Logged in as: {FOO}"))
    );
    // Flask-Login wrote nothing that axum cannot read: still logged in there.
    assert_eq!(
        get(&format!("{axum}/whoami"), &mut jar).await,
        (200, FOO.into())
    );
    // A logout on Flask is a logout on axum.
    assert_eq!(
        post(&format!("{}/logout", flask.url), &[], &mut jar)
            .await
            .0,
        200
    );
    assert_eq!(
        get(&format!("{axum}/whoami"), &mut jar).await,
        (200, "anonymous".into())
    );
}

#[tokio::test]
async fn remember_cookies_work_both_ways() {
    let flask = start_flask(KEY, &[]);
    let axum = axum_app(signer()).await;

    // Flask's remember cookie alone logs in on axum, which writes a session Flask reads.
    let mut jar = Jar::default();
    post(
        &format!("{}/login", flask.url),
        &[("email", FOO), ("remember", "1")],
        &mut jar,
    )
    .await;
    let mut remembered = jar.only("remember_token");
    assert!(!remembered.0.is_empty(), "Flask set remember_token");
    assert_eq!(
        get(&format!("{axum}/whoami"), &mut remembered).await,
        (200, FOO.into())
    );
    assert!(
        remembered.0.contains_key("session"),
        "axum restored a session"
    );
    let mut session_only = remembered.only("session");
    assert_eq!(
        get(&format!("{}/whoami", flask.url), &mut session_only).await,
        (200, FOO.into())
    );

    // axum's remember cookie alone logs in on Flask.
    let mut jar = Jar::default();
    post(
        &format!("{axum}/login"),
        &[("email", FOO), ("remember", "1")],
        &mut jar,
    )
    .await;
    let mut remembered = jar.only("remember_token");
    assert!(!remembered.0.is_empty(), "axum set remember_token");
    assert_eq!(
        get(&format!("{}/whoami", flask.url), &mut remembered).await,
        (200, FOO.into())
    );

    // A forged remember cookie is nobody on either side.
    let mut forged = Jar::default();
    forged.0.insert(
        "remember_token".into(),
        format!("{FOO}|{}", "0".repeat(128)),
    );
    assert_eq!(
        get(&format!("{axum}/whoami"), &mut forged.clone()).await,
        (200, "anonymous".into())
    );
    assert_eq!(
        get(&format!("{}/whoami", flask.url), &mut forged).await,
        (200, "anonymous".into())
    );
}

/// R44: an id that Werkzeug quotes (`;`, `,`, a space, a quote, non-ASCII) goes out as
/// the very value Flask writes, and crosses both ways.
#[tokio::test]
async fn remember_cookies_with_quoted_ids_cross_both_ways() {
    let flask = start_flask(KEY, &[]);
    let axum = axum_app(signer()).await;
    let mut from_flask = Jar::default();
    post(
        &format!("{}/login", flask.url),
        &[("email", ODD), ("remember", "1")],
        &mut from_flask,
    )
    .await;
    let mut from_axum = Jar::default();
    post(
        &format!("{axum}/login"),
        &[("email", ODD), ("remember", "1")],
        &mut from_axum,
    )
    .await;
    let (flask_value, axum_value) = (
        from_flask.only("remember_token"),
        from_axum.only("remember_token"),
    );
    assert!(!flask_value.0.is_empty() && !axum_value.0.is_empty());
    assert_eq!(axum_value.0, flask_value.0, "the same bytes as Werkzeug");
    assert!(axum_value.0["remember_token"].starts_with('"'));
    assert_eq!(
        get(&format!("{}/whoami", flask.url), &mut axum_value.clone()).await,
        (200, ODD.into())
    );
    assert_eq!(
        get(&format!("{axum}/whoami"), &mut flask_value.clone()).await,
        (200, ODD.into())
    );
}
