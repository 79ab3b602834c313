//! `examples/flask_migration.rs` beside its Flask twin, end to end.

use super::*;

/// The `flask_migration` example next to this test's binary, built once (`cargo test`
/// builds examples, `cargo test --test flask` does not).
fn migration_binary() -> std::path::PathBuf {
    let exe = std::env::current_exe().expect("the test binary's path");
    let profile_dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("the test binary lives in target/<profile>/deps");
    let status = Command::new(env!("CARGO"))
        .args([
            "build",
            "--quiet",
            "--features",
            "flask",
            "--example",
            "flask_migration",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .status()
        .expect("run cargo to build the example");
    assert!(
        status.success(),
        "`cargo build --example flask_migration` failed"
    );
    profile_dir.join("examples").join("flask_migration")
}

/// The running example, killed on drop.
struct Migration {
    child: Child,
    url: String,
}

impl Drop for Migration {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Migration {
    fn start(flask: &FlaskApp) -> Migration {
        let mut child = Command::new(migration_binary())
            .env("SECRET_KEY", KEY)
            .env("PORT", "0")
            .env("FLASK_LOGIN_URL", format!("{}/login", flask.url))
            .env_remove("PUBLIC_ORIGIN")
            .stdout(Stdio::piped())
            .spawn()
            .expect("start the flask_migration example");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("piped stdout"))
            .read_line(&mut line)
            .expect("its first line");
        let url = line
            .trim()
            .strip_prefix("flask_migration listening on ")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .to_owned();
        Migration { child, url }
    }
}

/// The value of the hidden `csrf_token` input of a page.
fn csrf_input(page: &str) -> String {
    let marker = "name=\"csrf_token\" value=\"";
    let start = page.find(marker).expect("a csrf_token input") + marker.len();
    let end = page[start..].find('"').expect("end of value") + start;
    page[start..end].to_owned()
}

/// The example beside its Flask twin (issue 18, item 9): Flask keeps /login, the moved
/// routes share its login, session, CSRF tokens and logout.
#[tokio::test]
async fn the_migration_example_works_beside_its_flask_twin() {
    let flask = start_flask(KEY, &[]);
    let moved = Migration::start(&flask);
    let mut jar = Jar::default();

    // Anonymous: sent to Flask's login page, with an absolute `next` back here.
    let res = client()
        .get(format!("{}/dashboard", moved.url))
        .header(USER_AGENT, UA)
        .send()
        .await
        .expect("a response");
    assert_eq!(res.status().as_u16(), 303);
    let next: String = url_encode(&format!("{}/dashboard", moved.url));
    assert_eq!(
        res.headers()["location"].to_str().unwrap(),
        format!("{}/login?next={next}", flask.url)
    );

    // Logged in on Flask: the moved route knows the user.
    post(&format!("{}/login", flask.url), &[("email", FOO)], &mut jar).await;
    assert_eq!(
        get(&format!("{}/dashboard", moved.url), &mut jar).await,
        (200, format!("Dashboard of {FOO}"))
    );

    // The cart form here, with its Flask-WTF token; Flask sees the item.
    let (status, page) = get(&format!("{}/cart", moved.url), &mut jar).await;
    assert_eq!(status, 200, "{page}");
    let token = csrf_input(&page);
    let (status, _) = post(
        &format!("{}/cart", moved.url),
        &[("item", "apple"), ("csrf_token", &token)],
        &mut jar,
    )
    .await;
    assert_eq!(status, 303);
    let (_, body) = get(&format!("{}/session", flask.url), &mut jar).await;
    let seen: Value = serde_json::from_str(&body).expect("JSON");
    assert_eq!(seen["cart"], "['apple']", "{seen}");

    // A token from a page Flask rendered is accepted here too; a forged one is not.
    let (_, flask_token) = get(&format!("{}/csrf", flask.url), &mut jar).await;
    let (status, _) = post(
        &format!("{}/cart", moved.url),
        &[("item", "pear"), ("csrf_token", &flask_token)],
        &mut jar,
    )
    .await;
    assert_eq!(status, 303);
    let (status, body) = post(
        &format!("{}/cart", moved.url),
        &[("item", "plum"), ("csrf_token", "forged")],
        &mut jar,
    )
    .await;
    assert_eq!((status, body.as_str()), (400, "The CSRF token is invalid."));

    // Logout here: logged out on Flask too, the cart kept (Flask-Login's logout).
    post(&format!("{}/logout", moved.url), &[], &mut jar).await;
    assert_eq!(
        get(&format!("{}/whoami", flask.url), &mut jar).await,
        (200, "anonymous".into())
    );
    let (_, body) = get(&format!("{}/session", flask.url), &mut jar).await;
    let seen: Value = serde_json::from_str(&body).expect("JSON");
    assert_eq!(seen["cart"], "['apple', 'pear']", "{seen}");

    // SIGTERM (what a process manager sends): the example stops cleanly.
    let mut moved = moved;
    let killed = Command::new("kill")
        .args(["-TERM", &moved.child.id().to_string()])
        .status()
        .expect("run kill");
    assert!(killed.success());
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let status = loop {
        if let Some(status) = moved.child.try_wait().expect("poll the example") {
            break status;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no exit after SIGTERM"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    assert!(status.success(), "{status}");
}

/// Percent-encoding of everything but the unreserved characters (as `next` is built).
fn url_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
