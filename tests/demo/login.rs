//! The login page and form, and what anonymous visitors get.

use super::*;

// ---------------------------------------------------------------------------------------
// GET /login
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn login_page_is_a_post_form_with_email_pw_and_remember() {
    let app = app().await;
    let mut client = Client::new(&app);
    let reply = client.get("/login").await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    assert!(reply.content_type().starts_with("text/html"), "{reply:?}");
    for needle in [
        r#"<form method="post" action="/login">"#,
        r#"name="email""#,
        r#"<input type="password" name="pw""#,
        r#"<input type="checkbox" name="remember""#,
    ] {
        assert_eq!(count(&reply.body, needle), 1, "{needle}: {}", reply.body);
    }
    assert!(!reply.body.contains(r#"name="next""#), "{}", reply.body);
    assert_eq!(count(&reply.body, "<p class=\"flash"), 0, "{}", reply.body);
    reply.assert_no_cookies();

    // `?next=` becomes a hidden input carrying it.
    let reply = client.get("/login?next=%2Fsettings%3Fa%3D1%26b%3D2").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(
        hidden_next(&reply.body).as_deref(),
        Some("/settings?a=1&b=2")
    );
    reply.assert_no_cookies();
}

#[tokio::test]
async fn reflected_next_is_html_escaped() {
    let app = app().await;
    let mut client = Client::new(&app);
    let reply = client
        .get("/login?next=%2F%22%3E%3Cscript%3Ealert(1)%3C%2Fscript%3E")
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(!reply.body.contains("\"><script>"), "{}", reply.body);
    assert!(!reply.body.contains("<script>"), "{}", reply.body);
    assert_eq!(
        hidden_next(&reply.body).as_deref(),
        Some("/\"><script>alert(1)</script>")
    );

    for next in [
        "/\" autofocus onfocus=\"alert(1)",
        "/'><img src=x onerror=alert(1)>",
        "</form><script>alert(1)</script>",
        "/&quot;&lt;&amp;",
        "javascript:alert(1)",
        "/é\u{2028}x",
    ] {
        // Reflected on the login page …
        let reply = client.get(&format!("/login?next={}", enc(next))).await;
        assert_eq!(reply.status, StatusCode::OK, "{next:?}");
        assert_eq!(hidden_next(&reply.body).as_deref(), Some(next), "{next:?}");
        assert!(!reply.body.contains("<script>"), "{}", reply.body);
        assert!(!reply.body.contains("<img"), "{}", reply.body);
        assert!(!reply.body.contains("\" autofocus"), "{}", reply.body);
        // … and on the failed-login page.
        let body = format!("{}&next={}", login_body(FOO, "wrong"), enc(next));
        let reply = client.post_form("/login", &body).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{next:?}");
        assert_eq!(hidden_next(&reply.body).as_deref(), Some(next), "{next:?}");
        assert!(!reply.body.contains("<script>"), "{}", reply.body);
        assert!(!reply.body.contains("<img"), "{}", reply.body);
    }
}

// ---------------------------------------------------------------------------------------
// POST /login
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn good_login_sets_a_browser_session_cookie_and_redirects() {
    let app = app().await;
    let mut client = Client::new(&app);
    let reply = client.login(FOO, PASSWORD).await;
    reply.assert_redirect("/protected");
    reply.assert_private();
    let cookies = reply.set_cookies();
    assert_eq!(cookies.len(), 1, "only the session cookie: {reply:?}");
    assert_eq!(cookies[0].name, "session");
    assert_cookie_attrs(&cookies[0], false, None);
    client.assert_user(FOO).await;
    let reply = client.get("/protected").await;
    reply.assert_ok("Logged in as: foo@bar.tld");
    reply.assert_private();
    // Reading a session sends no new cookie.
    reply.assert_no_cookies();

    let mut client = Client::new(&app);
    client.login_ok(BAR).await;
    client.assert_user(BAR).await;
}

#[tokio::test]
async fn remember_cookie_only_when_remember_is_truthy() {
    let app = app().await;
    for value in ["on", "1", "true", "yes"] {
        let mut client = Client::new(&app);
        let body = format!("{}&remember={value}", login_body(FOO, PASSWORD));
        let reply = client.post_form("/login", &body).await;
        reply.assert_redirect("/protected");
        assert_eq!(reply.set_cookies().len(), 2, "{value}: {reply:?}");
        let session = reply.set_cookie("session").expect("session cookie");
        assert_cookie_attrs(&session, false, None);
        let remember = reply.set_cookie("remember_token").expect("remember cookie");
        assert_cookie_attrs(&remember, false, Some(YEAR));
        // The remember cookie alone logs in.
        client.remember_only().assert_user(FOO).await;
    }
    for suffix in [
        "&remember=0",
        "&remember=false",
        "&remember=",
        "&remember=off",
        "",
    ] {
        let mut client = Client::new(&app);
        let body = format!("{}{suffix}", login_body(FOO, PASSWORD));
        let reply = client.post_form("/login", &body).await;
        reply.assert_redirect("/protected");
        assert!(
            reply.set_cookie("remember_token").is_none(),
            "{suffix}: {reply:?}"
        );
        assert!(reply.set_cookie("session").is_some(), "{suffix}: {reply:?}");
        client.assert_user(FOO).await;
    }
}

#[tokio::test]
async fn bad_logins_are_401_bad_login_and_log_nobody_in() {
    let app = app().await;
    let mut bodies = Vec::new();
    for body in [
        login_body(FOO, "wrong"),
        login_body(FOO, "Secret"),
        login_body("nobody@bar.tld", PASSWORD),
        login_body(INACTIVE, PASSWORD),
        login_body(FOO, ""),
        login_body("", ""),
        String::new(),
    ] {
        let mut client = Client::new(&app);
        let reply = client
            .post_form("/login", &format!("{body}&remember=on"))
            .await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{body}: {reply:?}");
        assert!(reply.body.contains("Bad login"), "{body}: {reply:?}");
        assert!(!reply.logs_in(), "{body}: {reply:?}");
        client.assert_anonymous().await;
        let me = client
            .get_with("/api/me", &[("accept", "application/json")])
            .await;
        assert_eq!(me.status, StatusCode::UNAUTHORIZED, "{me:?}");
        bodies.push(reply.body);
    }
    // R33: wrong password, unknown user and inactive user look the same.
    assert_eq!(bodies[0], bodies[2]);
    assert_eq!(bodies[0], bodies[3]);

    // A failed login does not replace an anonymous session with a logged-in one.
    let mut client = Client::new(&app);
    client.get("/protected").await.assert_redirect(TO_LOGIN);
    let reply = client.login(INACTIVE, PASSWORD).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert!(!reply.logs_in(), "{reply:?}");
    client.assert_anonymous().await;
}

#[tokio::test]
async fn login_rotates_the_session() {
    let app = app().await;
    // R15: an anonymous session (it carries the flash) is replaced on login.
    let mut client = Client::new(&app);
    client.get("/protected?x=1").await;
    let anonymous = client.value("session").expect("a session with the flash");
    client.login_ok(FOO).await;
    let foo = client.value("session").expect("session");
    assert_ne!(foo, anonymous);
    Client::with_cookies(&app, &[("session", &anonymous)])
        .assert_anonymous()
        .await;

    // Logging in as someone else in the same jar.
    client.login_ok(BAR).await;
    client.assert_user(BAR).await;
    assert_ne!(client.value("session"), Some(foo.clone()));
    Client::with_cookies(&app, &[("session", &foo)])
        .assert_user(FOO)
        .await;
}

// ---------------------------------------------------------------------------------------
// Unauthorized behaviour
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn anonymous_protected_redirects_to_login_with_next_and_a_flash() {
    let app = app().await;
    let mut client = Client::new(&app);
    let reply = client.get("/protected?x=1").await;
    reply.assert_redirect("/login?next=%2Fprotected%3Fx%3D1");
    assert!(reply.set_cookie("remember_token").is_none(), "{reply:?}");

    // The flash is shown once, on the next login page; the next survives as hidden input.
    let page = client.get("/login?next=%2Fprotected%3Fx%3D1").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(count(&page.body, LOGIN_MESSAGE), 1, "{}", page.body);
    assert_eq!(hidden_next(&page.body).as_deref(), Some("/protected?x=1"));
    let again = client.get("/login").await;
    assert_eq!(count(&again.body, LOGIN_MESSAGE), 0, "{}", again.body);

    // Posting the form with that hidden next lands on the page first asked for.
    let body = format!(
        "{}&next={}",
        login_body(FOO, PASSWORD),
        enc("/protected?x=1")
    );
    client
        .post_form("/login", &body)
        .await
        .assert_redirect("/protected?x=1");
    client
        .get("/protected?x=1")
        .await
        .assert_ok("Logged in as: foo@bar.tld");
    // The message is gone for good.
    assert_eq!(count(&client.get("/login").await.body, LOGIN_MESSAGE), 0);

    // Two redirects in a row flash twice; each message is rendered once per flash.
    let mut client = Client::new(&app);
    client.get("/protected").await.assert_redirect(TO_LOGIN);
    client
        .get("/admin")
        .await
        .assert_redirect("/login?next=%2Fadmin");
    let page = client.get("/login").await;
    assert!(
        (1..=2).contains(&count(&page.body, LOGIN_MESSAGE)),
        "{}",
        page.body
    );
    assert_eq!(count(&client.get("/login").await.body, LOGIN_MESSAGE), 0);
}

#[tokio::test]
async fn login_redirect_never_comes_from_host_headers() {
    let app = app().await;
    let want = "/login?next=%2Fprotected%3Fx%3D1";
    for headers in [
        &[("host", "evil.com")][..],
        &[("host", "evil.com"), ("x-forwarded-host", "evil.com")],
        &[
            ("x-forwarded-host", "evil.com"),
            ("x-forwarded-proto", "https"),
            ("forwarded", "host=evil.com;proto=https"),
        ],
    ] {
        Client::new(&app)
            .get_with("/protected?x=1", headers)
            .await
            .assert_redirect(want);
    }
    // An absolute-form request target: only its path and query count.
    let req = request(
        Method::GET,
        "http://evil.com/protected?x=1",
        Body::empty(),
        &[("host", "evil.com")],
    );
    send_raw(&app, req).await.assert_redirect(want);
    // A path that looks like a network path is no route, and never a redirect.
    let reply = Client::new(&app).get("//evil.com").await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND, "{reply:?}");
    assert!(reply.location().is_none());
    // The generated next is fully percent-encoded.
    Client::new(&app)
        .get("/protected?next=//evil.com&a=%2F")
        .await
        .assert_redirect("/login?next=%2Fprotected%3Fnext%3D%2F%2Fevil.com%26a%3D%252F");
}

#[tokio::test]
async fn head_is_protected_like_get() {
    let app = app().await;
    let mut client = Client::new(&app);
    let reply = client.head("/protected").await;
    reply.assert_redirect(TO_LOGIN);
    let reply = client.head("/settings").await;
    reply.assert_redirect("/login?next=%2Fsettings");
    client.login_ok(FOO).await;
    let reply = client.head("/protected").await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    assert_eq!(reply.body, "");
}

#[tokio::test]
async fn clients_that_do_not_accept_html_get_401() {
    let app = app().await;
    for accept in [
        "application/json",
        "application/json, text/html;q=0",
        "application/json, text/html;q=0.5",
        "application/json, text/plain, */*",
        "image/png",
    ] {
        for path in [
            "/protected",
            "/settings",
            "/admin",
            "/admin/users",
            "/api/me",
            "/reauth",
        ] {
            let reply = Client::new(&app)
                .get_with(path, &[("accept", accept)])
                .await;
            assert_eq!(
                reply.status,
                StatusCode::UNAUTHORIZED,
                "{path} {accept}: {reply:?}"
            );
            assert!(reply.location().is_none(), "{reply:?}");
            reply.assert_no_cookies();
        }
    }
    for accept in [
        "text/html",
        "text/*",
        "*/*",
        "text/html;q=0.5, application/json;q=0.4",
        "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    ] {
        Client::new(&app)
            .get_with("/protected", &[("accept", accept)])
            .await
            .assert_redirect(TO_LOGIN);
    }
    // The other signs of an API client: 401 whatever Accept says.
    for headers in [
        [("x-requested-with", "XMLHttpRequest"), ("accept", "*/*")],
        [("sec-fetch-mode", "cors"), ("accept", "*/*")],
        [
            ("authorization", "Basic Zm9vOmJhcg=="),
            ("accept", "text/html"),
        ],
    ] {
        let reply = Client::new(&app).get_with("/protected", &headers).await;
        assert_eq!(
            reply.status,
            StatusCode::UNAUTHORIZED,
            "{headers:?}: {reply:?}"
        );
        assert!(reply.location().is_none(), "{reply:?}");
    }
    // A browser navigating is sent to the login page.
    Client::new(&app)
        .get_with(
            "/protected",
            &[("sec-fetch-mode", "navigate"), ("accept", "text/html")],
        )
        .await
        .assert_redirect(TO_LOGIN);
    // Logged in but not fresh, without HTML: 401 too.
    let mut client = Client::non_fresh(&app, FOO).await;
    let reply = client
        .get_with("/settings", &[("accept", "application/json")])
        .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{reply:?}");
    assert!(reply.location().is_none());
}

// ---------------------------------------------------------------------------------------
