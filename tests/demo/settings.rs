//! Password change (R22), `SESSION_LIFETIME`, `REMEMBER_DURATION`, `SECURE_COOKIES`.

use super::*;

// Password change (R22)
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn password_change_ends_every_other_session_of_the_user() {
    let app = app().await;
    let mut a = Client::new(&app);
    a.login_remembered(FOO).await;
    let a_old = a.value("session").expect("session");
    let mut b = Client::new(&app);
    b.login_remembered(FOO).await;
    b.assert_user(FOO).await;
    let b_session = b.value("session").expect("session");
    let b_remember = b.value("remember_token").expect("remember");
    let mut other = Client::new(&app);
    other.login_ok(BAR).await;

    let reply = a.post_form("/password", "new_pw=x").await;
    reply.assert_ok("Password changed");
    assert!(a.value("session").is_some_and(|v| v != a_old));

    // This session goes on, and so does its remember cookie.
    a.assert_user(FOO).await;
    a.get("/settings")
        .await
        .assert_ok("Settings for foo@bar.tld");
    a.remember_only().assert_user(FOO).await;
    // B's cookies stop working, each alone and together.
    Client::with_cookies(&app, &[("session", &b_session)])
        .assert_anonymous()
        .await;
    let mut remembered = Client::with_cookies(&app, &[("remember_token", &b_remember)]);
    remembered.assert_anonymous().await;
    assert!(
        remembered.value("remember_token").is_none(),
        "deleted (R25)"
    );
    b.assert_anonymous().await;
    // A's cookie from before the change too.
    Client::with_cookies(&app, &[("session", &a_old)])
        .assert_anonymous()
        .await;
    // Other users are not affected.
    other.assert_user(BAR).await;

    // The new password works, the old one does not.
    Client::new(&app)
        .login(FOO, "x")
        .await
        .assert_redirect("/protected");
    let reply = Client::new(&app).login(FOO, PASSWORD).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{reply:?}");
    assert!(reply.body.contains("Bad login"));
}

#[tokio::test]
async fn password_change_needs_a_fresh_login() {
    let app = app().await;
    Client::new(&app)
        .post_form("/password", "new_pw=y")
        .await
        .assert_redirect("/login?next=%2Fpassword");

    let mut client = Client::new(&app);
    client.login_remembered(FOO).await;
    let mut restored = client.remember_only();
    restored.assert_user(FOO).await;
    restored
        .post_form("/password", "new_pw=y")
        .await
        .assert_redirect("/reauth?next=%2Fpassword");
    let mut non_fresh = Client::non_fresh(&app, FOO).await;
    non_fresh
        .post_form("/password", "new_pw=y")
        .await
        .assert_redirect("/reauth?next=%2Fpassword");
    // Nothing changed.
    client.assert_user(FOO).await;
    Client::new(&app).login_ok(FOO).await;

    // An empty password is refused; after re-authenticating, the change goes through.
    restored.post_form("/reauth", "pw=secret").await;
    let reply = restored.post_form("/password", "new_pw=").await;
    assert!(reply.status.is_client_error(), "{reply:?}");
    Client::new(&app).login_ok(FOO).await;
    restored
        .post_form("/password", "new_pw=y")
        .await
        .assert_ok("Password changed");
    client.assert_anonymous().await;
    Client::new(&app)
        .login(FOO, "y")
        .await
        .assert_redirect("/protected");
}

// ---------------------------------------------------------------------------------------
// SESSION_LIFETIME, REMEMBER_DURATION, SECURE_COOKIES
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn lifetimes_are_enforced_on_the_server() {
    let session = async {
        let mut config = config();
        config.session_lifetime = Some(Duration::from_secs(2));
        let app = app_with(config).await;
        let mut client = Client::new(&app);
        let reply = client.login_ok(FOO).await;
        let cookie = reply.set_cookie("session").expect("session");
        assert_cookie_attrs(&cookie, false, Some(2));
        client.assert_user(FOO).await;
        tokio::time::sleep(Duration::from_secs(3)).await;
        // The client ignores Max-Age and replays the cookie: the server refuses it (R18).
        Client::with_cookies(&app, &[("session", &cookie.value)])
            .assert_anonymous()
            .await;
    };
    let remember = async {
        let mut config = config();
        config.remember_duration = Duration::from_secs(2);
        let app = app_with(config).await;
        let mut client = Client::new(&app);
        let reply = client.login_remembered(FOO).await;
        let cookie = reply.set_cookie("remember_token").expect("remember");
        assert_cookie_attrs(&cookie, false, Some(2));
        client.remember_only().assert_user(FOO).await;
        tokio::time::sleep(Duration::from_secs(3)).await;
        // R25: expired on the server, and deleted.
        let mut replay = Client::with_cookies(&app, &[("remember_token", &cookie.value)]);
        let reply = replay
            .get_with("/api/me", &[("accept", "application/json")])
            .await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{reply:?}");
        assert!(
            reply
                .set_cookie("remember_token")
                .is_some_and(|c| c.is_removal()),
            "{reply:?}"
        );
        Client::with_cookies(&app, &[("remember_token", &cookie.value)])
            .assert_anonymous()
            .await;
    };
    tokio::join!(session, remember);
}

#[tokio::test]
async fn secure_cookies_adds_secure_to_both_cookies() {
    let mut config = config();
    config.secure_cookies = true;
    let app = app_with(config).await;
    let mut client = Client::new(&app);
    let reply = client.login_remembered(FOO).await;
    for c in reply.set_cookies() {
        assert_cookie_attrs(&c, true, (c.name == "remember_token").then_some(YEAR));
    }
    assert_eq!(reply.set_cookies().len(), 2);
    // A restored session and a flash cookie are Secure too.
    let mut restored = client.remember_only();
    let reply = restored.get("/protected").await;
    assert_cookie_attrs(&reply.set_cookie("session").expect("session"), true, None);
    let reply = Client::new(&app).get("/protected").await;
    assert_cookie_attrs(&reply.set_cookie("session").expect("flash"), true, None);
}

// ---------------------------------------------------------------------------------------
