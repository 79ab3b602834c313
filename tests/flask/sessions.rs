//! Session data, flashes, logout, keys that differ or rotate.

use super::*;

/// R47: an instance with another key cannot read Flask's cookies, and must not destroy
/// them: no `Set-Cookie` at all (not even the login flash's), and Flask still sees the
/// login.
#[tokio::test]
async fn an_instance_with_another_key_leaves_flask_cookies_alone() {
    let flask = start_flask(KEY, &[]);
    let wrong = axum_app(FlaskSigner::from_text("not the flask key")).await;
    let mut jar = Jar::default();
    post(
        &format!("{}/login", flask.url),
        &[("email", FOO), ("remember", "1")],
        &mut jar,
    )
    .await;
    assert!(jar.0.contains_key("session") && jar.0.contains_key("remember_token"));
    for path in ["/protected", "/whoami", "/fresh"] {
        let res = client()
            .get(format!("{wrong}{path}"))
            .header(COOKIE, jar.header())
            .header(USER_AGENT, UA)
            .send()
            .await
            .expect("a response");
        assert!(
            res.headers().get_all(SET_COOKIE).iter().next().is_none(),
            "{path}: {:?}",
            res.headers()
        );
    }
    assert_eq!(
        get(&format!("{}/whoami", flask.url), &mut jar).await,
        (200, FOO.into())
    );
}

/// Flask-Login's `logout_user` removes its own keys only: a value in the session (a cart)
/// survives a logout on axum routes as it does on Flask routes.
#[tokio::test]
async fn logout_keeps_the_rest_of_the_flask_session() {
    let flask = start_flask(KEY, &[]);
    let axum = axum_app(signer()).await;
    for logout_on in [flask.url.clone(), axum.clone()] {
        let mut jar = Jar::default();
        post(&format!("{}/login", flask.url), &[("email", FOO)], &mut jar).await;
        post(
            &format!("{}/session?key=cart&value=apples", flask.url),
            &[],
            &mut jar,
        )
        .await;
        post(&format!("{logout_on}/logout"), &[], &mut jar).await;
        assert_eq!(
            get(&format!("{}/whoami", flask.url), &mut jar).await,
            (200, "anonymous".into()),
            "{logout_on}"
        );
        let (_, body) = get(&format!("{}/session", flask.url), &mut jar).await;
        let seen: Value = serde_json::from_str(&body).expect("JSON");
        assert_eq!(seen["cart"], "'apples'", "logout on {logout_on}: {seen}");
        assert!(seen.get("_user_id").is_none(), "{seen}");
    }
}

#[tokio::test]
async fn session_data_and_flashes_cross_over() {
    let flask = start_flask(KEY, &[]);
    let axum = axum_app(signer()).await;
    let mut jar = Jar::default();

    // axum -> Flask: a value and a flash.
    post(
        &format!("{axum}/session?key=colour&value=blue"),
        &[],
        &mut jar,
    )
    .await;
    post(&format!("{axum}/flash?msg=from%20axum"), &[], &mut jar).await;
    let (_, body) = get(&format!("{}/session", flask.url), &mut jar).await;
    let seen: Value = serde_json::from_str(&body).expect("JSON");
    assert_eq!(seen["colour"], "'blue'");
    let (_, body) = get(&format!("{}/flashes", flask.url), &mut jar).await;
    assert_eq!(
        serde_json::from_str::<Value>(&body).expect("JSON"),
        serde_json::json!([["message", "from axum"]])
    );

    // Flask -> axum: a value, a flash, and a session big enough to be compressed.
    post(
        &format!("{}/session?key=shape&value=round", flask.url),
        &[],
        &mut jar,
    )
    .await;
    post(
        &format!("{}/flash?msg=from%20flask", flask.url),
        &[],
        &mut jar,
    )
    .await;
    post(&format!("{}/big", flask.url), &[], &mut jar).await;
    assert!(
        jar.0["session"].starts_with('.'),
        "Flask compressed the session: {}",
        &jar.0["session"][..20]
    );
    let (_, body) = get(&format!("{axum}/session?key=shape"), &mut jar).await;
    assert_eq!(body, "\"round\"");
    let (_, body) = get(&format!("{axum}/session?key=big"), &mut jar).await;
    assert_eq!(body, format!("\"{}\"", "x".repeat(3000)));
    let (_, body) = get(&format!("{axum}/flashes"), &mut jar).await;
    assert_eq!(
        serde_json::from_str::<Value>(&body).expect("JSON"),
        serde_json::json!([["message", "from flask"]])
    );
}

#[tokio::test]
async fn fallback_keys_are_honoured_and_rotated_away() {
    // Flask before the key change signs with the old key.
    let old_flask = start_flask(OLD_KEY, &[]);
    // After it: the new key, the old one as a fallback, on both sides.
    let new_flask = start_flask(KEY, &[OLD_KEY]);
    let axum = axum_app(signer().with_fallback_text(OLD_KEY)).await;
    let axum_without_fallback = axum_app(signer()).await;

    let mut jar = Jar::default();
    post(
        &format!("{}/login", old_flask.url),
        &[("email", FOO)],
        &mut jar,
    )
    .await;
    let old_cookie = jar.clone();
    assert_eq!(
        get(
            &format!("{axum_without_fallback}/whoami"),
            &mut old_cookie.clone()
        )
        .await,
        (200, "anonymous".into()),
        "without the fallback the old cookie is nobody's"
    );
    // axum accepts it through the fallback and re-signs it under the new key...
    assert_eq!(
        get(&format!("{axum}/whoami"), &mut jar).await,
        (200, FOO.into())
    );
    assert_ne!(jar.0["session"], old_cookie.0["session"], "re-issued");
    // ...which Flask with the new key, and axum without the fallback, both accept.
    assert_eq!(
        get(&format!("{}/whoami", new_flask.url), &mut jar.clone()).await,
        (200, FOO.into())
    );
    assert_eq!(
        get(&format!("{axum_without_fallback}/whoami"), &mut jar).await,
        (200, FOO.into())
    );

    // A remember cookie under the old key: Flask-Login checks only SECRET_KEY, so axum
    // re-issues it under the new one when it restores the login through the fallback.
    let mut jar = Jar::default();
    post(
        &format!("{}/login", old_flask.url),
        &[("email", FOO), ("remember", "1")],
        &mut jar,
    )
    .await;
    let mut remembered = jar.only("remember_token");
    let old_token = remembered.0["remember_token"].clone();
    assert_eq!(
        get(
            &format!("{}/whoami", new_flask.url),
            &mut remembered.clone()
        )
        .await,
        (200, "anonymous".into()),
        "Flask-Login never reads a remember cookie under a fallback key"
    );
    assert_eq!(
        get(&format!("{axum}/whoami"), &mut remembered).await,
        (200, FOO.into())
    );
    assert_ne!(remembered.0["remember_token"], old_token, "re-issued");
    let mut renewed = remembered.only("remember_token");
    assert_eq!(
        get(&format!("{}/whoami", new_flask.url), &mut renewed).await,
        (200, FOO.into())
    );
}
