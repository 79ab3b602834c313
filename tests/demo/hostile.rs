//! Tampered and foreign cookies (R7–R14, R37), and cross-site POSTs (R34).

use super::*;

// Tampered and foreign cookies (R7–R14, R37, §4.1)
// ---------------------------------------------------------------------------------------

/// `(payload, mac)` of a `v1.<payload>.<mac>` value.
fn segments(v: &str) -> (&str, &str) {
    let rest = v.strip_prefix("v1.").expect("v1 value");
    rest.split_once('.').expect("two segments")
}

fn flip(v: &str, i: usize) -> Vec<u8> {
    let mut bytes = v.as_bytes().to_vec();
    bytes[i] = if bytes[i] == b'A' { b'g' } else { b'A' };
    bytes
}

/// A fixed xorshift stream of header-safe bytes (no `;`).
fn random_values() -> Vec<Vec<u8>> {
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    [1, 16, 60, 200, 3000, 5000]
        .iter()
        .map(|&len| {
            std::iter::from_fn(|| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                Some(x.to_le_bytes()[0])
            })
            .filter(|b| ((0x21..0x7f).contains(b) && *b != b';') || *b >= 0x80)
            .take(len)
            .collect()
        })
        .collect()
}

/// Tampered, truncated and forged variants of the valid value `v` (§4.1), given another
/// valid value `w` of the same kind.
fn mutations(v: &str, w: &str) -> Vec<Vec<u8>> {
    let (p, m) = segments(v);
    let (wp, wm) = segments(w);
    let s = |x: &str| x.as_bytes().to_vec();
    let mut out: Vec<Vec<u8>> = vec![
        s(""),
        s("."),
        s("..."),
        s("v1.."),
        s(&format!("v1.{p}.")),
        s(&format!("v1..{m}")),
        flip(v, v.len() - 1),
        flip(v, 3),
        flip(v, v.len() / 2),
        s(&v[..v.len() - 1]),
        s(&format!("{v}A")),
        s(&format!("{v}x9")),
        s(&format!("{v}=")),
        s(&format!("{v}==")),
        s(&format!("{v}====")),
        s(&format!("{v}.{m}")),
        s(&format!("A{v}")),
        s(&format!(".{v}")),
        s(&v.replace('.', ":")),
        s(&v.replace('.', "|")),
        s(&v.replace('.', "--")),
        s(&format!("{v}{v}")),
        s(&v.chars().rev().collect::<String>()),
        s(&format!("v1.{p}.{wm}")),
        s(&format!("v1.{wp}.{m}")),
        s(&format!("{}{}", &v[..v.len() / 2], &w[w.len() / 2..])),
        s(&format!("v0.{p}.{m}")),
        s(&format!("v2.{p}.{m}")),
        s(&format!("V1.{p}.{m}")),
        s(&format!("v01.{p}.{m}")),
        s(&v.replace('.', "%2E")),
        s(&format!("{v}%zz")),
        s(&format!("{v}%c3%28")),
        s(&format!("{v}%ff")),
        s(&format!("\"{v}\"")),
        s(&format!("{}%00{}", &v[..v.len() - 10], &v[v.len() - 10..])),
        s(&format!("{} {}", &v[..v.len() - 10], &v[v.len() - 10..])),
        s(&format!("{}\t{}", &v[..v.len() - 10], &v[v.len() - 10..])),
        s("\"1|\\303\\251\""),
        s("1|é"),
        s("%C0%AF%C0%AF%E0%80%AF"),
        s(&"A".repeat(4097)),
        s(&format!("{v}{}", "A".repeat(8192 - v.len()))),
        s(&".".repeat(10_000)),
        s("eyJ1aWQiOiJmb29AYmFyLnRsZCJ9"),
        s("{}"),
        s("null"),
        s("1"),
        s("admin"),
        s("foo@bar.tld"),
        s(&format!("foo@bar.tld|{}", "0".repeat(128))),
        s("eyJhbGciOiJub25lIn0.eyJzdWIiOiJmb28ifQ."),
    ];
    // The standard base64 alphabet instead of the URL-safe one.
    let std_alphabet = v.replace('-', "+").replace('_', "/");
    if std_alphabet != v {
        out.push(s(&std_alphabet));
    }
    // Every truncation of the tag (a truncated compare would accept the right prefix).
    for k in 0..m.len() {
        out.push(s(&format!("v1.{p}.{}", &m[..k])));
    }
    // `é` at every offset (char-boundary panics), and invalid UTF-8.
    for i in 0..=v.len() {
        let mut bytes = v.as_bytes().to_vec();
        bytes.splice(i..i, "é".bytes());
        out.push(bytes);
    }
    for bad in [&b"\xff"[..], b"\x80", b"\xc0\xaf", b"\xed\xa0\x80"] {
        let mut bytes = v.as_bytes().to_vec();
        bytes.splice(10..10, bad.iter().copied());
        out.push(bytes);
        out.push(bad.to_vec());
    }
    out.extend(random_values());
    out
}

/// Checks that these `Cookie` lines make an anonymous visitor: `/protected` redirects,
/// `/api/me` (JSON) is 401, nothing logs in, and a cookie that does not verify is left
/// alone: no `Set-Cookie` of its name, not even the login flash's (R47).
async fn assert_lines_anonymous(app: &Router, lines: &[&[u8]], left_alone: Option<&str>) {
    let what = lines
        .iter()
        .map(|l| {
            String::from_utf8_lossy(l)
                .chars()
                .take(100)
                .collect::<String>()
        })
        .collect::<Vec<_>>();
    let reply = get_with_cookie_lines(app, "/protected", lines, &[]).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{what:?}: {reply:?}");
    assert_eq!(reply.location(), Some(TO_LOGIN), "{what:?}");
    assert!(
        reply
            .set_cookie("remember_token")
            .is_none_or(|c| c.is_removal())
    );
    if let Some(name) = left_alone {
        assert!(
            reply.set_cookie(name).is_none(),
            "the unreadable {name} cookie is left alone (R47): {what:?}: {reply:?}"
        );
    }
    let reply =
        get_with_cookie_lines(app, "/api/me", lines, &[("accept", "application/json")]).await;
    assert_eq!(
        reply.status,
        StatusCode::UNAUTHORIZED,
        "{what:?}: {reply:?}"
    );
    assert!(!reply.logs_in(), "{what:?}: {reply:?}");
    if let Some(name) = left_alone {
        assert!(
            reply.set_cookie(name).is_none(),
            "the unreadable {name} cookie is left alone (R47): {what:?}: {reply:?}"
        );
    }
}

async fn assert_lines_user(app: &Router, lines: &[&[u8]], email: &str) {
    let what = lines
        .iter()
        .map(|l| {
            String::from_utf8_lossy(l)
                .chars()
                .take(100)
                .collect::<String>()
        })
        .collect::<Vec<_>>();
    let reply = get_with_cookie_lines(app, "/protected", lines, &[]).await;
    assert_eq!(reply.status, StatusCode::OK, "{what:?}: {reply:?}");
    assert_eq!(reply.body, format!("Logged in as: {email}"), "{what:?}");
    get_with_cookie_lines(app, "/api/me", lines, &[])
        .await
        .assert_json_email(email);
}

/// A valid session (fresh login) and remember value for `email`, minted by `app`.
async fn mint(app: &Router, email: &str) -> (String, String) {
    let mut client = Client::new(app);
    client.login_remembered(email).await;
    (
        client.value("session").expect("session"),
        client.value("remember_token").expect("remember"),
    )
}

#[tokio::test]
async fn tampered_or_foreign_cookies_are_anonymous() {
    let app = app().await;
    let (v, r) = mint(&app, FOO).await;
    let (w, r_bar) = mint(&app, BAR).await;
    let (foreign_v, foreign_r) = mint(
        &app_with(DemoConfig::new(Key::from_bytes(OTHER_SECRET))).await,
        FOO,
    )
    .await;
    let (dev_v, dev_r) = mint(&app_with(DemoConfig::new(Key::development())).await, FOO).await;
    assert_lines_user(&app, &[format!("session={v}").as_bytes()], FOO).await;
    assert_lines_user(&app, &[format!("remember_token={r}").as_bytes()], FOO).await;

    let mut session_values = mutations(&v, &w);
    session_values.extend([r.clone(), foreign_v, dev_v].map(String::into_bytes));
    for value in &session_values {
        let line = [b"session=".as_slice(), value].concat();
        assert_lines_anonymous(&app, &[&line], Some("session")).await;
    }
    let mut remember_values = mutations(&r, &r_bar);
    remember_values.extend([v.clone(), foreign_r, dev_r].map(String::into_bytes));
    for value in &remember_values {
        let line = [b"remember_token=".as_slice(), value].concat();
        assert_lines_anonymous(&app, &[&line], Some("remember_token")).await;
    }

    // Whole headers that carry no usable cookie.
    let big = format!("a={}", "b".repeat(64 * 1024));
    for line in [
        "session".to_owned(),
        ";;;".to_owned(),
        format!("={v}"),
        format!("session=={v}"),
        format!("Session={v}"),
        format!("SESSION={v}"),
        format!("s\u{435}ssion={v}"),
        format!("session ={v}x"),
        format!("Remember_Token={r}"),
        big,
    ] {
        assert_lines_anonymous(&app, &[line.as_bytes()], None).await;
    }

    // The valid value still works beside junk (R37, §4.1 rows 34–36, 55).
    let many = (1..=300)
        .map(|i| format!("a{i}=1"))
        .chain([format!("session={v}")])
        .collect::<Vec<_>>()
        .join("; ");
    for line in [
        format!("session=junk; session={v}"),
        format!("session={v}; session=junk"),
        format!("session=v1..; session={v}"),
        format!("session={w}x; session={v}"),
        format!("session={v}; remember_token=junk"),
        format!("remember_token=junk; session={v}"),
        many,
    ] {
        assert_lines_user(&app, &[line.as_bytes()], FOO).await;
    }
    let theme = [b"theme=\xff; session=".as_slice(), v.as_bytes()].concat();
    assert_lines_user(&app, &[&theme], FOO).await;
    let theme = [b"session=".as_slice(), v.as_bytes(), b"; theme=\xff\xfe"].concat();
    assert_lines_user(&app, &[&theme], FOO).await;
    let second = format!("session={v}");
    assert_lines_user(&app, &[b"session=junk", second.as_bytes()], FOO).await;
    assert_lines_user(&app, &[b"theme=dark", second.as_bytes()], FOO).await;
    let remember = format!("remember_token={r}");
    assert_lines_user(&app, &[b"remember_token=junk", remember.as_bytes()], FOO).await;

    // The process still works.
    Client::new(&app).login_ok(FOO).await;
}

// ---------------------------------------------------------------------------------------
// Cross-site POSTs (R34)
// ---------------------------------------------------------------------------------------

pub(crate) const CROSS_SITE: &[&[(&str, &str)]] = &[
    &[("origin", "https://evil.com")],
    &[("origin", "null")],
    &[("sec-fetch-site", "cross-site")],
    &[("sec-fetch-site", "same-site")],
    &[("origin", "http://demo.test:8080")],
    &[("origin", "http://demo.test.evil.com")],
    &[
        ("sec-fetch-site", "cross-site"),
        ("origin", "http://demo.test"),
    ],
    &[
        ("sec-fetch-site", "same-site"),
        ("origin", "http://demo.test"),
    ],
];

const SAME_ORIGIN: &[&[(&str, &str)]] = &[
    &[("sec-fetch-site", "same-origin")],
    &[("sec-fetch-site", "none")],
    &[("origin", "http://demo.test")],
    &[
        ("sec-fetch-site", "same-origin"),
        ("origin", "http://demo.test"),
    ],
];

#[tokio::test]
async fn cross_site_login_is_refused() {
    let app = app().await;
    let body = format!("{}&remember=on", login_body(FOO, PASSWORD));
    for headers in CROSS_SITE {
        let mut client = Client::new(&app);
        let reply = client.post_form_with("/login", &body, headers).await;
        assert_eq!(
            reply.status,
            StatusCode::FORBIDDEN,
            "{headers:?}: {reply:?}"
        );
        reply.assert_no_cookies();
        client.assert_anonymous().await;
    }
    for headers in SAME_ORIGIN {
        let mut client = Client::new(&app);
        client
            .post_form_with("/login", &body, headers)
            .await
            .assert_redirect("/protected");
        client.assert_user(FOO).await;
    }
}

/// TRUSTED_ORIGINS: a login form on another origin posts here; other origins stay out.
#[tokio::test]
async fn trusted_origins_may_post_and_others_may_not() {
    let mut config = config();
    config.trusted_origins = vec!["https://auth.example.com".to_owned()];
    let app = app_with(config).await;
    let body = login_body(FOO, PASSWORD);
    for headers in [
        &[("origin", "https://auth.example.com")][..],
        &[
            ("origin", "https://auth.example.com"),
            ("sec-fetch-site", "same-site"),
        ][..],
    ] {
        let mut client = Client::new(&app);
        client
            .post_form_with("/login", &body, headers)
            .await
            .assert_redirect("/protected");
        client.assert_user(FOO).await;
    }
    for headers in [
        &[("origin", "https://evil.example.com")][..],
        &[("origin", "http://auth.example.com")][..],
        &[
            ("origin", "https://evil.example.com"),
            ("sec-fetch-site", "cross-site"),
        ][..],
    ] {
        let reply = Client::new(&app)
            .post_form_with("/login", &body, headers)
            .await;
        assert_eq!(
            reply.status,
            StatusCode::FORBIDDEN,
            "{headers:?}: {reply:?}"
        );
        reply.assert_no_cookies();
    }
    // A malformed origin stops the app from starting, with the setting's name.
    let mut bad = super::config();
    bad.trusted_origins = vec!["auth.example.com".to_owned()];
    let db = Db::in_memory().await.expect("the demo database");
    let err = demo::app(bad, db).expect_err("an origin without a scheme");
    assert!(err.contains("TRUSTED_ORIGINS"), "{err}");
}

#[tokio::test]
async fn cross_site_reauth_is_refused() {
    let app = app().await;
    let mut client = Client::non_fresh(&app, FOO).await;
    for headers in CROSS_SITE {
        let reply = client.post_form_with("/reauth", "pw=secret", headers).await;
        assert_eq!(
            reply.status,
            StatusCode::FORBIDDEN,
            "{headers:?}: {reply:?}"
        );
        reply.assert_no_cookies();
        client
            .get("/settings")
            .await
            .assert_redirect("/reauth?next=%2Fsettings");
    }
    for headers in SAME_ORIGIN {
        let mut client = Client::non_fresh(&app, FOO).await;
        client
            .post_form_with("/reauth", "pw=secret", headers)
            .await
            .assert_redirect("/settings");
        client
            .get("/settings")
            .await
            .assert_ok("Settings for foo@bar.tld");
    }
}

#[tokio::test]
async fn cross_site_password_change_is_refused() {
    let app = app().await;
    let mut a = Client::new(&app);
    a.login_ok(FOO).await;
    let mut b = Client::new(&app);
    b.login_ok(FOO).await;
    for headers in CROSS_SITE {
        let reply = a
            .post_form_with("/password", "new_pw=hacked", headers)
            .await;
        assert_eq!(
            reply.status,
            StatusCode::FORBIDDEN,
            "{headers:?}: {reply:?}"
        );
        reply.assert_no_cookies();
    }
    // Nothing changed: B is still in, the old password still works.
    b.assert_user(FOO).await;
    Client::new(&app).login_ok(FOO).await;
    let reply = Client::new(&app).login(FOO, "hacked").await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);

    let mut pw = PASSWORD.to_owned();
    for (i, headers) in SAME_ORIGIN.iter().enumerate() {
        let new_pw = format!("pw-{i}");
        a.post_form_with("/password", &format!("new_pw={new_pw}"), headers)
            .await
            .assert_ok("Password changed");
        a.assert_user(FOO).await;
        pw = new_pw;
    }
    b.assert_anonymous().await;
    Client::new(&app)
        .login(FOO, &pw)
        .await
        .assert_redirect("/protected");
}

// ---------------------------------------------------------------------------------------
