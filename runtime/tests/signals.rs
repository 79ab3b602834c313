//! Flask-Login's signals as the app's async callbacks, over real HTTP: each carries the
//! user id and the request, and has run by the time the response arrives.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::http::request::Parts;
use axum::routing::{get, post};
use axum_sesame::signals::{LoginEvent, LoginSignal};
use axum_sesame::{Auth, AuthUser, CurrentUser, Key, LoginManager, login_required, user_loader};
use axum_sesame_testkit::Server;

#[derive(Clone, Debug)]
struct User {
    id: String,
}

impl AuthUser for User {
    type Id = String;
    fn id(&self) -> String {
        self.id.clone()
    }
    fn session_auth_hash(&self) -> &[u8] {
        b"hash"
    }
}

#[user_loader]
async fn load_user(id: String) -> Option<User> {
    Some(User { id })
}

#[login_required]
async fn page(user: CurrentUser<User>) -> String {
    format!("page {}", user.id)
}

#[login_required(fresh)]
async fn fresh(user: CurrentUser<User>) -> String {
    format!("fresh {}", user.id)
}

async fn login(auth: Auth<User>) -> &'static str {
    let user = User { id: "ada".into() };
    auth.login_user(&user)
        .remember(true)
        .await
        .expect("a login");
    "in"
}

async fn confirm(auth: Auth<User>) -> &'static str {
    auth.confirm_login();
    "confirmed"
}

async fn logout(auth: Auth<User>) -> &'static str {
    auth.logout_user();
    "out"
}

type Seen = Arc<Mutex<Vec<(LoginSignal, Option<String>, String)>>>;

fn app(seen: Seen) -> Server {
    let manager = LoginManager::new(Key::from_bytes(&[3u8; 32]))
        .with_login_view("/login")
        .with_refresh_view("/reauth")
        .with_request_loader(|parts: &Parts, (): &()| {
            let key = parts.headers.get("x-api-key").cloned();
            async move { key.filter(|k| k == "k").map(|_| User { id: "bot".into() }) }
        })
        .on_signal(move |event: LoginEvent| {
            let seen = seen.clone();
            async move {
                // A callback may await (a database write, say) before the response leaves.
                tokio::task::yield_now().await;
                let path = event.request.uri.path().to_owned();
                seen.lock()
                    .expect("not poisoned")
                    .push((event.signal, event.user_id, path));
            }
        });
    let router = Router::new()
        .route("/page", get(page))
        .route("/fresh", get(fresh))
        .route("/login", post(login))
        .route("/confirm", post(confirm))
        .route("/logout", get(logout))
        .layer(manager.build().expect("valid settings"));
    Server::serve(router)
}

#[tokio::test]
async fn every_signal_reaches_the_apps_callback_before_the_response() {
    let seen = Seen::default();
    let app = app(seen.clone());
    let last = || seen.lock().expect("not poisoned").last().cloned();
    let expect = |signal, user: Option<&str>, path: &str| {
        Some((signal, user.map(str::to_owned), path.to_owned()))
    };

    app.send("GET", "/page", &[]).await;
    assert_eq!(last(), expect(LoginSignal::Unauthorized, None, "/page"));

    let login = app.send("POST", "/login", &[("user-agent", "A")]).await;
    assert_eq!(last(), expect(LoginSignal::LoggedIn, Some("ada"), "/login"));
    let session = login.cookie("session").expect("a session");
    let remember = login.cookie("remember_token").expect("a remember cookie");

    // Another client with the session: session protection marks it non-fresh.
    let r = app
        .send(
            "GET",
            "/fresh",
            &[("cookie", &session), ("user-agent", "B")],
        )
        .await;
    r.assert_redirect("/reauth?next=%2Ffresh");
    let tail: Vec<_> = seen
        .lock()
        .expect("not poisoned")
        .iter()
        .rev()
        .take(2)
        .cloned()
        .collect();
    assert_eq!(tail[1].0, LoginSignal::SessionProtected);
    assert_eq!(tail[0].0, LoginSignal::NeedsRefresh);
    assert_eq!(tail[0].1.as_deref(), Some("ada"));

    app.send("GET", "/page", &[("cookie", &remember)])
        .await
        .assert_ok("page ada");
    assert_eq!(
        last(),
        expect(LoginSignal::LoadedFromCookie, Some("ada"), "/page")
    );

    let with = [("cookie", session.as_str()), ("user-agent", "A")];
    app.send("POST", "/confirm", &with)
        .await
        .assert_ok("confirmed");
    assert_eq!(
        last(),
        expect(LoginSignal::LoginConfirmed, Some("ada"), "/confirm")
    );

    app.send("GET", "/logout", &with).await.assert_ok("out");
    assert_eq!(
        last(),
        expect(LoginSignal::LoggedOut, Some("ada"), "/logout")
    );

    app.send("GET", "/page", &[("x-api-key", "k")])
        .await
        .assert_ok("page bot");
    assert_eq!(
        last(),
        expect(LoginSignal::LoadedFromRequest, Some("bot"), "/page")
    );
}
