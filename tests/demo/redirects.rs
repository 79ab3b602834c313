//! Redirect targets (R26): `next` from the form or the query, login and reauth corpora.

use super::*;

// Redirect targets (R26)
// ---------------------------------------------------------------------------------------

/// The "accept" rows of SECURITY.md §4.2, and a few more local paths.
fn safe_targets() -> Vec<String> {
    let mut v: Vec<String> = [
        "/",
        "/protected",
        "/protected?x=1&y=%2F%2F",
        "/a/b/../c",
        "/%2F/evil.com",
        "/.//evil.com",
        "/@evil.com",
        "/%5Cevil.com",
        "/%09/evil.com",
        "/%0d%0aSet-Cookie:x=1",
        "/\"><script>alert(1)</script>",
        "/view/?param=http://example.com",
        "/url%20with%20spaces/",
        "/settings#frag",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    v.push(format!("/{}", "a".repeat(2047)));
    v
}

/// The "reject" rows of SECURITY.md §4.2, Django's bad fixtures, and a few more.
fn hostile_targets() -> Vec<String> {
    let mut v: Vec<String> = [
        "//evil.com",
        "///evil.com",
        "////evil.com/",
        "/\\evil.com",
        "\\\\evil.com",
        "\\/evil.com",
        "/\\/evil.com",
        "\\\\\\github.com",
        "https://evil.com",
        "http://evil.com/protected",
        "HTTPS://EVIL.COM",
        "http:evil.com",
        "https:evil.com",
        "https:/evil.com",
        "https:///evil.com",
        "https:\\\\evil.com",
        "http:/\\/evil.com",
        "ftp://evil.com",
        "javascript:alert(1)",
        "JaVaScRiPt:alert(document.domain)",
        "java\tscript:alert(1)",
        "java\nscript:alert(1)",
        "\x01javascript:alert(1)",
        "\x08//evil.com",
        "\njavascript:alert(x)",
        " //evil.com",
        "vbscript:msgbox(1)",
        "data:text/html,<script>alert(1)</script>",
        "mailto:a@b.c",
        "tel:1",
        "/\t/evil.com",
        "/\n/evil.com",
        "/\r\n/evil.com",
        "/\r/evil.com",
        "\t//evil.com",
        "\0//evil.com",
        "\x1f//evil.com",
        "//evil.com\0",
        "//127.0.0.1@evil.com",
        "//app.example@evil.com",
        "https://app.example@evil.com",
        "http://evil.com\\@app.example",
        "http://evil.com#@app.example",
        "///\\;@evil.com",
        "//evil\u{3002}com",
        "//\u{200b}evil.com",
        "//0x7f.1",
        "//[::1]",
        "//127.0.0.1",
        "http:999999999",
        "\u{ff0f}\u{ff0f}evil.com",
        "/\u{ff0f}evil.com",
        "/\u{ff3c}evil.com",
        "\u{2215}\u{2215}evil.com",
        "\u{feff}//evil.com",
        "\u{3000}//evil.com",
        "\u{2028}//evil.com",
        "/\u{a0}//evil.com",
        "%2F%2Fevil.com",
        "%252F%252Fevil.com",
        "https%3A%2F%2Fevil.com",
        "evil.com",
        "./evil.com",
        "?next=//evil.com",
        "#//evil.com",
        "",
        // Django's `url_has_allowed_host_and_scheme` bad fixtures.
        "http:///example.com",
        "\\\\//example.com",
        "http:\\/example.com",
        "http:/\\example.com",
        "javascript:alert(\"XSS\")",
        "http://otherserver\\@example.com",
        "http:\\\\testserver\\@example.com",
        "http://testserver\\me:pass@example.com",
        "ftp:9999999999",
        "\n",
        "http://[2001:cdba:0000:0000:0000:0000:3257:9652/",
        // More.
        "/ /evil.com",
        "/\x7f",
        "/caf\u{e9}",
        "/\\",
        "\\",
        "//",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    v.push(format!("/{}", "a".repeat(2048)));
    v.push(format!("/{}", "a".repeat(5000)));
    v
}

/// A `Location` that no browser resolves off-site: one leading `/`, printable ASCII only.
#[track_caller]
fn assert_local_location(location: &str) {
    let b = location.as_bytes();
    assert_eq!(b.first(), Some(&b'/'), "{location:?}");
    assert!(!location.starts_with("//"), "{location:?}");
    assert!(
        b.iter().all(|&c| (0x21..=0x7e).contains(&c) && c != b'\\'),
        "{location:?}"
    );
}

#[track_caller]
fn assert_target(reply: &Reply, expected: &str, what: &str) {
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{what}: {reply:?}");
    let location = reply.location().expect("Location");
    assert_local_location(location);
    assert_eq!(location, expected, "{what}");
    // No header injection: only the session cookie is set.
    let cookies = reply.set_cookies();
    assert_eq!(cookies.len(), 1, "{what}: {reply:?}");
    assert_eq!(cookies[0].name, "session", "{what}: {reply:?}");
}

#[tokio::test]
async fn safe_next_is_followed_from_form_or_query() {
    let app = app().await;
    let body = format!("{}&next=%2Fsettings", login_body(FOO, PASSWORD));
    let mut client = Client::new(&app);
    client
        .post_form("/login", &body)
        .await
        .assert_redirect("/settings");
    client
        .get("/settings")
        .await
        .assert_ok("Settings for foo@bar.tld");
    let mut client = Client::new(&app);
    client
        .post_form("/login?next=%2Fadmin%3Fa%3D1", &login_body(FOO, PASSWORD))
        .await
        .assert_redirect("/admin?a=1");
    client
        .get("/admin?a=1")
        .await
        .assert_ok("Admin: foo@bar.tld");
}

#[tokio::test]
async fn login_redirect_corpus() {
    let app = app().await;
    let safe = safe_targets();
    let hostile = hostile_targets();
    assert!(hostile.len() >= 40);
    let cases = safe
        .iter()
        .map(|t| (t, t.as_str()))
        .chain(hostile.iter().map(|t| (t, "/protected")));
    for (target, expected) in cases {
        let what = format!("login next={target:?}");
        // As a form field.
        let body = format!("{}&next={}", login_body(FOO, PASSWORD), enc(target));
        let mut client = Client::new(&app);
        let reply = client.post_form("/login", &body).await;
        assert_target(&reply, expected, &format!("form {what}"));
        client.assert_user(FOO).await;
        // As the query.
        let uri = format!("/login?next={}", enc(target));
        let reply = Client::new(&app)
            .post_form(&uri, &login_body(FOO, PASSWORD))
            .await;
        assert_target(&reply, expected, &format!("query {what}"));
    }
}

#[tokio::test]
async fn reauth_redirect_corpus() {
    let app = app().await;
    let mut client = Client::new(&app);
    client.login_ok(FOO).await;
    let safe = safe_targets();
    let hostile = hostile_targets();
    let cases = safe
        .iter()
        .map(|t| (t, t.as_str()))
        .chain(hostile.iter().map(|t| (t, "/settings")));
    for (target, expected) in cases {
        let what = format!("reauth next={target:?}");
        let body = format!("pw=secret&next={}", enc(target));
        let reply = client.post_form("/reauth", &body).await;
        assert_target(&reply, expected, &format!("form {what}"));
        let uri = format!("/reauth?next={}", enc(target));
        let reply = client.post_form(&uri, "pw=secret").await;
        assert_target(&reply, expected, &format!("query {what}"));
    }
    client
        .get("/settings")
        .await
        .assert_ok("Settings for foo@bar.tld");
}

// ---------------------------------------------------------------------------------------
