//! Cost of the cookie codec and of the session layer, each beside its own baseline.
//!
//! `cargo bench --manifest-path bench/Cargo.toml --bench codec`
//!
//! - `hmac/bare`: HMAC-SHA256 of the same bytes the codec authenticates (keyed once).
//! - `codec/verify_decode`: `Codec::decode` of a typical session cookie (format check,
//!   strict base64 of the tag, constant-time verify, base64 of the body).
//! - `codec/encode`: signing a new value.
//! - `router/*`: one request through an axum `Router` with `oneshot`: no layer, the layer on
//!   a route that never touches the session, and a handler reading a signed session.

use std::hint::black_box;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, header};
use axum::routing::get;
use axum_sesame::codec::Codec;
use axum_sesame::{Auth, AuthUser, CurrentUser, Key, LoginManager, MemoryStore, RedisStore, Session, SessionConfig, SessionLayer, login_required, user_loader};
use axum_sesame::key::Purpose;
use criterion::{Criterion, criterion_group, criterion_main};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use tower::ServiceExt;

const PAYLOAD: &[u8] = br#"{"sid":"q6vQbH1JjE1sNh8cJYw2xA","iat":1700000000,"seen":1700000000,"uid":"foo@bar.tld","fat":1700000000,"ah":"mWm5Y0rYw1D2t3lQ0KJmXg","d":{"username":"alice","visits":3}}"#;

fn codec_benches(c: &mut Criterion) {
    let key = Key::from_bytes(b"benchmark key benchmark key benchmark key");
    let codec = Codec::new(key);
    let value = codec.encode(Purpose::Session, "session", PAYLOAD).unwrap();

    // The exact bytes the codec's MAC covers are a short header plus the base64 body.
    let body_b64 = value.split('.').nth(1).unwrap().as_bytes().to_vec();
    let mut message = b"sesame/v1\0\0\x07session\0\x07session.".to_vec();
    message.extend_from_slice(&body_b64);
    let bare = <Hmac<Sha256> as KeyInit>::new_from_slice(&[7u8; 32]).unwrap();

    let mut g = c.benchmark_group("cookie");
    g.bench_function("hmac/bare", |b| {
        b.iter(|| {
            let mut mac = bare.clone();
            mac.update(black_box(&message));
            black_box(mac.finalize().into_bytes())
        })
    });
    g.bench_function("codec/verify_decode", |b| {
        b.iter(|| {
            codec
                .decode(Purpose::Session, "session", black_box(value.as_bytes()))
                .unwrap()
        })
    });
    g.bench_function("codec/encode", |b| {
        b.iter(|| {
            codec
                .encode(Purpose::Session, "session", black_box(PAYLOAD))
                .unwrap()
        })
    });
    g.finish();
}

fn router_benches(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let key = Key::from_bytes(b"benchmark key benchmark key benchmark key");
    let routes = || {
        Router::new()
            .route("/plain", get(|| async { "plain" }))
            .route(
                "/read",
                get(|s: Session| async move { s.get::<String>("username").unwrap_or_default() }),
            )
            .route(
                "/write",
                get(|s: Session| async move {
                    s.insert("username", "alice").unwrap();
                    "ok"
                }),
            )
    };
    // `with_state(())` turns every handler into a route once, as `axum::serve` does;
    // without it each oneshot call would rebuild (and re-layer) the route.
    let bare = routes().with_state::<()>(());
    let layered = routes().layer(SessionLayer::new(key)).with_state::<()>(());
    let cookie = rt.block_on(async {
        let res = layered
            .clone()
            .oneshot(Request::get("/write").body(Body::empty()).unwrap())
            .await
            .unwrap();
        let set = res.headers()[header::SET_COOKIE].to_str().unwrap();
        set.split(';').next().unwrap().to_owned()
    });

    let mut g = c.benchmark_group("router");
    let mut run = |name: &str, app: &Router, path: &'static str, cookie: Option<&str>| {
        g.bench_function(name, |b| {
            b.iter(|| {
                let mut req = Request::get(path);
                if let Some(c) = cookie {
                    req = req.header(header::COOKIE, c);
                }
                let req = req.body(Body::empty()).unwrap();
                rt.block_on(app.clone().oneshot(req)).unwrap()
            })
        });
    };
    run("no_layer/plain", &bare, "/plain", Some(&cookie));
    run("layer/untouched", &layered, "/plain", Some(&cookie));
    run("layer/read_session", &layered, "/read", Some(&cookie));
    run("layer/write_session", &layered, "/write", None);
    g.finish();
}

struct User {
    id: String,
}

impl AuthUser for User {
    type Id = String;
    fn id(&self) -> String {
        self.id.clone()
    }
    fn session_auth_hash(&self) -> &[u8] {
        b"$argon2id$v=19$m=4096,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA"
    }
}

#[user_loader]
async fn load_user(id: String) -> Option<User> {
    (id == "foo@bar.tld").then_some(User { id })
}

#[login_required]
async fn protected(user: CurrentUser<User>) -> String {
    format!("Logged in as: {}", user.id)
}

fn login_benches(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let key = Key::from_bytes(b"benchmark key benchmark key benchmark key");
    let layer = LoginManager::new(key)
        .with_login_view("/login")
        .build()
        .unwrap();
    let user = User {
        id: "foo@bar.tld".into(),
    };
    let cookie = rt
        .block_on(async { layer.test_login(&user).await })
        .unwrap()
        .header();
    let baseline = Router::new()
        .route(
            "/protected",
            get(|| async { format!("Logged in as: {}", "foo@bar.tld") }),
        )
        .with_state::<()>(());
    let app = Router::new()
        .route("/protected", get(protected))
        .layer(layer)
        .with_state::<()>(());
    let mut g = c.benchmark_group("login");
    let mut run = |name: &str, app: &Router, cookie: Option<&str>| {
        g.bench_function(name, |b| {
            b.iter(|| {
                let mut req = Request::get("/protected");
                if let Some(c) = cookie {
                    req = req.header(header::COOKIE, c);
                }
                let req = req.body(Body::empty()).unwrap();
                rt.block_on(app.clone().oneshot(req)).unwrap()
            })
        });
    };
    run("no_auth_baseline", &baseline, Some(&cookie));
    run("protected/authenticated", &app, Some(&cookie));
    run("protected/anonymous_redirect", &app, None);

    // Store mode: the same protected route with the session in a store. A login through
    // the app gives the store-mode cookie.
    let store_app = |config: SessionConfig| {
        Router::new()
            .route("/protected", get(protected))
            .route("/login", get(bench_login))
            .layer(LoginManager::with_session(config).build().unwrap())
            .with_state::<()>(())
    };
    let login_cookie = |app: &Router| {
        rt.block_on(async {
            let res = app
                .clone()
                .oneshot(Request::get("/login").body(Body::empty()).unwrap())
                .await
                .unwrap();
            let set = res.headers()[header::SET_COOKIE].to_str().unwrap();
            set.split(';').next().unwrap().to_owned()
        })
    };
    let key = || Key::from_bytes(b"benchmark key benchmark key benchmark key");
    let memory = store_app(SessionConfig::new(key()).with_store(MemoryStore::new()));
    let memory_cookie = login_cookie(&memory);
    run("store_memory/authenticated", &memory, Some(&memory_cookie));
    match std::env::var("REDIS_URL") {
        Ok(url) => {
            let store = rt.block_on(async { RedisStore::connect(&url).unwrap() });
            let redis =
                rt.block_on(async { store_app(SessionConfig::new(key()).with_store(store)) });
            let redis_cookie = login_cookie(&redis);
            run("store_redis/authenticated", &redis, Some(&redis_cookie));
        }
        Err(_) => eprintln!("login/store_redis: not measured, REDIS_URL is not set"),
    }
    g.finish();
}

async fn bench_login(auth: Auth<User>) -> &'static str {
    auth.login_user(&User {
        id: "foo@bar.tld".into(),
    })
    .await
    .unwrap();
    "ok"
}

criterion_group!(benches, codec_benches, router_benches, login_benches);
criterion_main!(benches);
