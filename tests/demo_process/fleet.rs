//! Two processes, one user database (and one session store: Redis, a Redis Cluster,
//! PostgreSQL, or the SQLite file itself).

use super::*;

// ---------------------------------------------------------------------------------------
// Two processes, one user database (and one Redis): one app (demo-spec "Users").
// ---------------------------------------------------------------------------------------

/// Two demo processes with one `DATABASE_URL` and `SECRET_KEY`: a login on one holds on
/// the other, and a password change or "log out everywhere else" on one ends the other
/// sessions on both (the auth hash comes from the shared rows).
async fn two_processes_are_one_app(name: &str, extra: &[(&str, &str)]) {
    let db = fresh_database(name);
    let mut env = vec![("DATABASE_URL", db.as_str())];
    env.extend_from_slice(extra);
    let a = Demo::start_with(&format!("{name}-a"), &env);
    let b = Demo::start_with(&format!("{name}-b"), &env);
    let login = format!("email={}&pw=secret", FOO.replace('@', "%40"));
    // Logged in on A, recognised by B (the same cookies go to both: one host).
    let x = jar_client();
    assert_eq!(post_form(&x, a.url("/login"), &login).await.status(), 303);
    assert_eq!(protected_status(&x, &b).await, 200);
    // Another client on B; a password change on A ends it, on both processes.
    let y = jar_client();
    assert_eq!(post_form(&y, b.url("/login"), &login).await.status(), 303);
    assert_eq!(protected_status(&y, &a).await, 200);
    let changed = post_form(&x, a.url("/password"), "new_pw=changed").await;
    assert_eq!(changed.status(), 200);
    assert_eq!(protected_status(&y, &a).await, 303);
    assert_eq!(protected_status(&y, &b).await, 303);
    assert_eq!(
        protected_status(&x, &b).await,
        200,
        "the changing session goes on"
    );
    // The new password works on B.
    let z = jar_client();
    let relogin = format!("email={}&pw=changed", FOO.replace('@', "%40"));
    assert_eq!(post_form(&z, b.url("/login"), &relogin).await.status(), 303);
    // "Log out everywhere else" on B ends X's session on A.
    let r = post_form(&z, b.url("/sessions/revoke-others"), "").await;
    assert_eq!(r.status(), 303);
    assert_eq!(protected_status(&x, &a).await, 303);
    assert_eq!(protected_status(&z, &a).await, 200);
}

#[tokio::test]
async fn two_processes_share_logins_through_the_database() {
    two_processes_are_one_app("fleet-cookie", &[]).await;
}

/// With one store behind both, a logout on one process makes a saved cookie useless on
/// the other at once.
#[cfg(any(feature = "redis", feature = "postgres", feature = "sqlite"))]
async fn a_logout_holds_on_both(name: &str, env: &[(&str, &str)]) {
    two_processes_are_one_app(name, env).await;
    let db = fresh_database(&format!("{name}-logout"));
    let mut with_db = env.to_vec();
    with_db.push(("DATABASE_URL", db.as_str()));
    let a = Demo::start_with(&format!("{name}-logout-a"), &with_db);
    let b = Demo::start_with(&format!("{name}-logout-b"), &with_db);
    let health = reqwest::get(b.url("/healthz")).await.expect("GET /healthz");
    assert_eq!(health.status().as_u16(), 200, "{name}: the store answers");
    let x = jar_client();
    let login = format!("email={}&pw=secret", BAR.replace('@', "%40"));
    let res = post_form(&x, a.url("/login"), &login).await;
    let cookie = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("session="))
        .and_then(|c| c.split(';').next())
        .expect("a session cookie")
        .to_owned();
    assert_eq!(protected_status(&x, &b).await, 200);
    x.get(a.url("/logout")).send().await.expect("logout");
    let replay = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("a client")
        .get(b.url("/protected"))
        .header("cookie", cookie)
        .send()
        .await
        .expect("a response");
    assert_eq!(
        replay.status().as_u16(),
        303,
        "{name}: logged out on A is logged out on B"
    );
}

#[cfg(feature = "redis")]
#[tokio::test]
async fn two_processes_share_one_redis() {
    let url = std::env::var("REDIS_URL").expect(
        "REDIS_URL is not set: start redis-server and export REDIS_URL=redis://127.0.0.1:6379, \
         or run the tests without --features redis",
    );
    let env = [("SESSION_STORE", "redis"), ("REDIS_URL", url.as_str())];
    a_logout_holds_on_both("fleet-redis", &env).await;
}

/// `SESSION_STORE=redis` with `REDIS_CLUSTER_NODES`: both processes on one cluster.
#[cfg(feature = "redis")]
#[tokio::test]
async fn two_processes_share_one_redis_cluster() {
    let nodes = std::env::var("REDIS_CLUSTER_NODES").expect(
        "REDIS_CLUSTER_NODES is not set: start a Redis Cluster (as .ci/run does) and export \
         REDIS_CLUSTER_NODES=redis://127.0.0.1:7001,..., or run the tests without --features redis",
    );
    let env = [
        ("SESSION_STORE", "redis"),
        ("REDIS_CLUSTER_NODES", nodes.as_str()),
    ];
    a_logout_holds_on_both("fleet-cluster", &env).await;
}

#[cfg(feature = "postgres")]
#[tokio::test]
async fn two_processes_share_one_postgres() {
    let url = std::env::var("POSTGRES_URL").expect(
        "POSTGRES_URL is not set: start PostgreSQL and export \
         POSTGRES_URL=postgres://user:password@127.0.0.1/db (as .ci/run does), or run the \
         tests without --features postgres",
    );
    let env = [
        ("SESSION_STORE", "postgres"),
        ("POSTGRES_URL", url.as_str()),
    ];
    a_logout_holds_on_both("fleet-postgres", &env).await;
}

/// `SESSION_STORE=sqlite`: the sessions in the users' database file, which both share.
#[cfg(feature = "sqlite")]
#[tokio::test]
async fn two_processes_share_one_sqlite_file() {
    a_logout_holds_on_both("fleet-sqlite", &[("SESSION_STORE", "sqlite")]).await;
}
