//! Freshness (`/settings`, `/reauth`), roles (`/admin`), API tokens (`/api/me`) and logout.

use super::*;

// Freshness: /settings, /reauth
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn settings_needs_a_fresh_login_and_reauth_restores_it() {
    let app = app().await;
    let mut client = Client::new(&app);
    client.login_remembered(FOO).await;
    client
        .get("/settings")
        .await
        .assert_ok("Settings for foo@bar.tld");

    // Only the remember cookie: logged in, but not fresh.
    let mut client = client.remember_only();
    let reply = client.get("/protected").await;
    reply.assert_ok("Logged in as: foo@bar.tld");
    assert!(reply.set_cookie("session").is_some_and(|c| !c.is_removal()));
    client
        .get("/settings")
        .await
        .assert_redirect("/reauth?next=%2Fsettings");

    // The refresh message shows once, on the reauth form.
    let page = client.get("/reauth?next=%2Fsettings").await;
    assert_eq!(page.status, StatusCode::OK, "{page:?}");
    assert!(page.content_type().starts_with("text/html"));
    assert_eq!(count(&page.body, REFRESH_MESSAGE), 1, "{}", page.body);
    assert!(
        page.body
            .contains(r#"<form method="post" action="/reauth">"#)
    );
    assert!(page.body.contains(r#"<input type="password" name="pw""#));
    assert_eq!(hidden_next(&page.body).as_deref(), Some("/settings"));
    let again = client.get("/reauth").await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(count(&again.body, REFRESH_MESSAGE), 0, "{}", again.body);
    assert!(hidden_next(&again.body).is_none());

    // A wrong password changes nothing.
    let reply = client
        .post_form("/reauth", "pw=wrong&next=%2Fsettings")
        .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{reply:?}");
    assert!(reply.body.contains("Bad login"), "{reply:?}");
    assert!(reply.set_cookie("session").is_none(), "{reply:?}");
    client
        .get("/settings")
        .await
        .assert_redirect("/reauth?next=%2Fsettings");

    // The right one makes the session fresh, with a new cookie (R16).
    let before = client.value("session").expect("session");
    let reply = client.post_form("/reauth", "pw=secret").await;
    reply.assert_redirect("/settings");
    let after = client.value("session").expect("session");
    assert_ne!(before, after);
    client
        .get("/settings")
        .await
        .assert_ok("Settings for foo@bar.tld");
    client.assert_user(FOO).await;

    // A safe next is followed.
    let mut client = Client::non_fresh(&app, BAR).await;
    client
        .post_form("/reauth", "pw=secret&next=%2Fprotected%3Fy%3D2")
        .await
        .assert_redirect("/protected?y=2");
    client
        .get("/settings")
        .await
        .assert_ok("Settings for bar@bar.tld");
}

#[tokio::test]
async fn anonymous_reauth_redirects_to_login() {
    let app = app().await;
    let reply = Client::new(&app).get("/reauth").await;
    reply.assert_redirect("/login?next=%2Freauth");
    let reply = Client::new(&app).get("/reauth?next=%2Fsettings").await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    assert!(
        reply
            .location()
            .is_some_and(|l| l.starts_with("/login?next=%2Freauth")),
        "{reply:?}"
    );
    let mut client = Client::new(&app);
    let reply = client.post_form("/reauth", "pw=secret").await;
    reply.assert_redirect("/login?next=%2Freauth");
    client.assert_anonymous().await;
}

#[tokio::test]
async fn basic_session_protection_marks_a_new_client_non_fresh() {
    let app = app().await;
    let mut client = Client::new(&app);
    client.user_agent = Some("Agent A".to_owned());
    client.login_ok(FOO).await;
    // R32: forwarding headers are not the client's identity.
    client
        .get_with("/settings", &[("x-forwarded-for", "203.0.113.9")])
        .await
        .assert_ok("Settings for foo@bar.tld");
    client
        .get_with(
            "/settings",
            &[
                ("x-real-ip", "203.0.113.10"),
                ("forwarded", "for=203.0.113.11"),
            ],
        )
        .await
        .assert_ok("Settings for foo@bar.tld");
    // Another User-Agent: still logged in, no longer fresh.
    client.user_agent = Some("Agent B".to_owned());
    client.assert_user(FOO).await;
    client
        .get("/settings")
        .await
        .assert_redirect("/reauth?next=%2Fsettings");
    client
        .post_form("/reauth", "pw=secret")
        .await
        .assert_redirect("/settings");
    client
        .get("/settings")
        .await
        .assert_ok("Settings for foo@bar.tld");
}

// ---------------------------------------------------------------------------------------
// /admin, /api/me, /logout
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn admin_needs_the_admin_role() {
    let app = app().await;
    let mut foo = Client::new(&app);
    foo.login_ok(FOO).await;
    foo.get("/admin").await.assert_ok("Admin: foo@bar.tld");
    let mut bar = Client::new(&app);
    bar.login_ok(BAR).await;
    let reply = bar.get("/admin").await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{reply:?}");
    assert!(reply.location().is_none());
    bar.assert_user(BAR).await;
    Client::new(&app)
        .get("/admin")
        .await
        .assert_redirect("/login?next=%2Fadmin");
}

/// The nested `/admin` router is guarded in one place; `next` keeps its prefix.
#[tokio::test]
async fn admin_users_lists_every_user_for_admins_only() {
    let app = app().await;
    let mut foo = Client::new(&app);
    foo.login_ok(FOO).await;
    let reply = foo.get("/admin/users").await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    for email in [FOO, BAR, INACTIVE] {
        assert!(reply.body.contains(email), "{email}: {reply:?}");
    }
    let mut bar = Client::new(&app);
    bar.login_ok(BAR).await;
    let reply = bar.get("/admin/users").await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{reply:?}");
    assert!(!reply.body.contains(FOO), "{reply:?}");
    Client::new(&app)
        .get("/admin/users?page=2")
        .await
        .assert_redirect("/login?next=%2Fadmin%2Fusers%3Fpage%3D2");
}

/// The `/api` router answers in JSON, never with a redirect.
#[tokio::test]
async fn api_users_is_json_for_admins_and_json_refusals_for_others() {
    let app = app().await;
    let mut foo = Client::new(&app);
    foo.login_ok(FOO).await;
    let emails = |reply: &Reply| -> Vec<String> {
        assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
        assert!(
            reply.content_type().starts_with("application/json"),
            "{reply:?}"
        );
        serde_json::from_str(&reply.body).expect("a JSON array")
    };
    let listed = emails(&foo.get("/api/users").await);
    assert_eq!(listed, [BAR, FOO, INACTIVE]);
    let by_token = Client::new(&app)
        .get_with("/api/users", &[("authorization", "Bearer foo-token")])
        .await;
    assert_eq!(emails(&by_token), listed);
    by_token.assert_no_cookies();
    for reply in [
        Client::new(&app)
            .get_with("/api/users", &[("authorization", "Bearer bar-token")])
            .await,
        {
            let mut bar = Client::new(&app);
            bar.login_ok(BAR).await;
            bar.get_with("/api/users", &[("accept", "text/html")]).await
        },
    ] {
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{reply:?}");
        assert_eq!(reply.content_type(), "application/json", "{reply:?}");
        assert_eq!(reply.body, r#"{"error":"forbidden"}"#);
    }
    for path in ["/api/users", "/api/me"] {
        let reply = Client::new(&app)
            .get_with(path, &[("accept", "text/html")])
            .await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{path}: {reply:?}");
        assert_eq!(reply.content_type(), "application/json", "{reply:?}");
        assert_eq!(reply.body, r#"{"error":"unauthorized"}"#);
        assert_eq!(reply.header(WWW_AUTHENTICATE), Some("Bearer"), "{reply:?}");
        assert!(reply.location().is_none());
    }
}

#[tokio::test]
async fn api_me_by_session_or_bearer_token() {
    let app = app().await;
    let mut client = Client::new(&app);
    client.login_ok(FOO).await;
    let reply = client.get("/api/me").await;
    reply.assert_json_email(FOO);
    reply.assert_private();

    // Bearer tokens: JSON, and never a cookie (BEYOND).
    for (auth, email) in [
        ("Bearer foo-token", FOO),
        ("Bearer bar-token", BAR),
        ("bearer foo-token", FOO),
    ] {
        let reply = Client::new(&app)
            .get_with("/api/me", &[("authorization", auth)])
            .await;
        reply.assert_json_email(email);
        reply.assert_no_cookies();
        assert!(
            reply
                .header(CACHE_CONTROL)
                .is_some_and(|v| v.contains("no-store")),
            "{reply:?}"
        );
    }
    // Even beside bad cookies that would otherwise be cleared.
    let reply = get_with_cookie_lines(
        &app,
        "/api/me",
        &[b"session=v1.junk.junk; remember_token=garbage"],
        &[("authorization", "Bearer bar-token")],
    )
    .await;
    reply.assert_json_email(BAR);
    reply.assert_no_cookies();

    for auth in [
        "Bearer nope",
        "Bearer ",
        "Bearer",
        "Bearer foo-token-x",
        "Bearer FOO-TOKEN",
        "Basic Zm9vOmJhcg==",
        "foo-token",
    ] {
        let reply = Client::new(&app)
            .get_with(
                "/api/me",
                &[("authorization", auth), ("accept", "application/json")],
            )
            .await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{auth}: {reply:?}");
        assert!(reply.location().is_none());
        reply.assert_no_cookies();
        // RFC 6750: a bearer token that was refused is named as such.
        let challenge = if auth.to_ascii_lowercase().starts_with("bearer ") {
            "Bearer error=\"invalid_token\""
        } else {
            "Bearer"
        };
        assert_eq!(reply.header(WWW_AUTHENTICATE), Some(challenge), "{auth}");
    }
    // Anonymous on the API: JSON, whatever it accepts (the API router).
    let reply = Client::new(&app).get("/api/me").await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{reply:?}");
    assert_eq!(reply.body, r#"{"error":"unauthorized"}"#);
}

#[tokio::test]
async fn logout_clears_both_cookies_with_their_attributes() {
    for secure in [false, true] {
        let mut config = config();
        config.secure_cookies = secure;
        let app = app_with(config).await;
        let mut client = Client::new(&app);
        let login = client.login_remembered(FOO).await;
        let set_session = login.set_cookie("session").expect("session");
        let set_remember = login.set_cookie("remember_token").expect("remember");
        assert_cookie_attrs(&set_session, secure, None);
        assert_cookie_attrs(&set_remember, secure, Some(YEAR));

        let reply = client.get("/logout").await;
        reply.assert_ok("Logged out");
        reply.assert_private();
        let del_session = reply.set_cookie("session").expect("session deletion");
        let del_remember = reply
            .set_cookie("remember_token")
            .expect("remember deletion");
        for (del, set) in [(&del_session, &set_session), (&del_remember, &set_remember)] {
            assert!(del.is_removal(), "{}", del.raw);
            assert_eq!(del.value, "", "{}", del.raw);
            // R3: the same Path, Domain, Secure, SameSite and HttpOnly as when set.
            assert_eq!(del.scope(), set.scope(), "{} vs {}", del.raw, set.raw);
        }
        assert!(client.jar.is_empty(), "{:?}", client.jar);
        client.assert_anonymous().await;
        client.get("/logout").await.assert_ok("Logged out");
    }
    Client::new(&app().await)
        .get("/logout")
        .await
        .assert_ok("Logged out");
}

// ---------------------------------------------------------------------------------------
