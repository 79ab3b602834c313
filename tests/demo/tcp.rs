//! Over TCP with reqwest: real sockets, concurrent clients.

use super::*;

// Over TCP
// ---------------------------------------------------------------------------------------

async fn serve(app: Router) -> (String, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    let server = tokio::spawn(async move {
        axum::serve(listener, app).await.expect("server");
    });
    (base, server)
}

fn http_client(follow_redirects: bool) -> reqwest::Client {
    let policy = if follow_redirects {
        reqwest::redirect::Policy::limited(5)
    } else {
        reqwest::redirect::Policy::none()
    };
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(policy)
        .build()
        .expect("client")
}

/// Status, headers and body of a reqwest response, with the same checks as in-process.
async fn read_http(res: reqwest::Response) -> Reply {
    checked(Reply::read_http(res).await)
}

#[tokio::test]
async fn over_tcp_with_reqwest() {
    let (base, server) = serve(app().await).await;
    let client = http_client(false);
    let get = |path: &str| client.get(format!("{base}{path}")).send();

    let reply = read_http(get("/protected?x=1").await.expect("GET")).await;
    reply.assert_redirect("/login?next=%2Fprotected%3Fx%3D1");
    let page = read_http(get("/login?next=%2Fprotected%3Fx%3D1").await.expect("GET")).await;
    assert_eq!(count(&page.body, LOGIN_MESSAGE), 1, "{page:?}");
    let next = hidden_next(&page.body).expect("hidden next");
    assert_eq!(next, "/protected?x=1");
    let page = read_http(get("/login").await.expect("GET")).await;
    assert_eq!(count(&page.body, LOGIN_MESSAGE), 0, "{page:?}");

    // A cross-site POST is refused; a same-origin one (as a browser sends it) logs in.
    let body = format!(
        "{}&remember=on&next={}",
        login_body(FOO, PASSWORD),
        enc(&next)
    );
    let post = |origin: &str| {
        client
            .post(format!("{base}/login"))
            .header(CONTENT_TYPE, FORM)
            .header("origin", origin)
            .body(body.clone())
            .send()
    };
    let reply = read_http(post("https://evil.com").await.expect("POST")).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{reply:?}");
    reply.assert_no_cookies();
    let reply = read_http(post(&base).await.expect("POST")).await;
    reply.assert_redirect("/protected?x=1");
    assert_cookie_attrs(&reply.set_cookie("session").expect("session"), false, None);
    assert_cookie_attrs(
        &reply.set_cookie("remember_token").expect("remember"),
        false,
        Some(YEAR),
    );

    read_http(get("/protected?x=1").await.expect("GET"))
        .await
        .assert_ok("Logged in as: foo@bar.tld");
    read_http(get("/settings").await.expect("GET"))
        .await
        .assert_ok("Settings for foo@bar.tld");
    read_http(get("/admin").await.expect("GET"))
        .await
        .assert_ok("Admin: foo@bar.tld");
    read_http(get("/api/me").await.expect("GET"))
        .await
        .assert_json_email(FOO);

    let reply = read_http(get("/logout").await.expect("GET")).await;
    reply.assert_ok("Logged out");
    assert!(reply.set_cookie("session").is_some_and(|c| c.is_removal()));
    assert!(
        reply
            .set_cookie("remember_token")
            .is_some_and(|c| c.is_removal())
    );
    read_http(get("/protected").await.expect("GET"))
        .await
        .assert_redirect(TO_LOGIN);

    // A client that follows the 303 lands on the page, carrying the new cookie.
    let follower = http_client(true);
    let res = follower
        .post(format!("{base}/login"))
        .header(CONTENT_TYPE, FORM)
        .body(login_body(BAR, PASSWORD))
        .send()
        .await
        .expect("POST");
    assert_eq!(res.url().path(), "/protected");
    read_http(res).await.assert_ok("Logged in as: bar@bar.tld");

    // Bearer tokens: no cookie.
    let res = reqwest::Client::new()
        .get(format!("{base}/api/me"))
        .header("authorization", "Bearer bar-token")
        .send()
        .await
        .expect("GET");
    let reply = read_http(res).await;
    reply.assert_json_email(BAR);
    reply.assert_no_cookies();
    let res = reqwest::Client::new()
        .get(format!("{base}/api/me"))
        .header("authorization", "Bearer wrong")
        .header("accept", "application/json")
        .send()
        .await
        .expect("GET");
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);

    server.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_clients_never_see_each_other() {
    let (base, server) = serve(app().await).await;
    let tasks: Vec<_> = (0..16)
        .map(|i| {
            let base = base.clone();
            tokio::spawn(async move {
                let (email, token) = if i % 2 == 0 {
                    (FOO, "bar-token")
                } else {
                    (BAR, "foo-token")
                };
                let client = http_client(false);
                let res = client
                    .post(format!("{base}/login"))
                    .header(CONTENT_TYPE, FORM)
                    .body(login_body(email, PASSWORD))
                    .send()
                    .await
                    .expect("POST");
                read_http(res).await.assert_redirect("/protected");
                for _ in 0..5 {
                    let res = client
                        .get(format!("{base}/protected"))
                        .send()
                        .await
                        .expect("GET");
                    read_http(res)
                        .await
                        .assert_ok(&format!("Logged in as: {email}"));
                    let res = client
                        .get(format!("{base}/api/me"))
                        .send()
                        .await
                        .expect("GET");
                    read_http(res).await.assert_json_email(email);
                    // Another user's token beside this client's session: the session wins.
                    let res = client
                        .get(format!("{base}/api/me"))
                        .header("authorization", format!("Bearer {token}"))
                        .send()
                        .await
                        .expect("GET");
                    read_http(res).await.assert_json_email(email);
                    tokio::task::yield_now().await;
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("client task");
    }
    server.abort();
}

// ---------------------------------------------------------------------------------------
