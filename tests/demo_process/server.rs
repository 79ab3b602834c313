//! The server itself: header timeouts, graceful shutdown on SIGTERM.

use super::*;

// ---------------------------------------------------------------------------------------
// Server: slow headers, shutdown
// ---------------------------------------------------------------------------------------

/// A client that sends a header byte every 2 s and never finishes is disconnected
/// between 30 and 45 s after it connected; meanwhile other clients are served.
#[tokio::test]
async fn trickled_headers_are_cut_off_within_30_to_45_seconds() {
    let demo = Demo::start("slow-headers");
    let started = Instant::now();
    let mut slow = tokio::net::TcpStream::connect(demo.addr)
        .await
        .expect("connect");
    slow.write_all(b"GET /login HTTP/1.1\r\nHost: demo\r\n")
        .await
        .expect("write the request line");
    let trickle = b"X-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    let mut sent = 0;
    let mut checked_others = false;
    let mut buf = [0u8; 1024];
    let cut_after = loop {
        assert!(
            started.elapsed() < Duration::from_secs(50),
            "still connected after 50 s of trickled headers"
        );
        tokio::select! {
            read = slow.read(&mut buf) => match read {
                // A 408 may come first; the close is what counts.
                Ok(n) if n > 0 => {}
                _ => break started.elapsed(),
            },
            () = tokio::time::sleep(Duration::from_secs(2)) => {
                let byte = [trickle[sent % trickle.len()]];
                sent += 1;
                if slow.write_all(&byte).await.is_err() {
                    break started.elapsed();
                }
                if !checked_others && started.elapsed() > Duration::from_secs(10) {
                    let res = client().get(demo.url("/login")).send().await.expect("GET");
                    assert_eq!(res.status(), 200, "another client is served meanwhile");
                    checked_others = true;
                }
            }
        }
    };
    eprintln!("trickled headers: cut off after {cut_after:?} ({sent} bytes trickled)");
    assert!(checked_others);
    assert!(
        cut_after >= Duration::from_secs(29) && cut_after <= Duration::from_secs(45),
        "cut off after {cut_after:?}"
    );
}

/// The raw bytes of a login whose body is sent in two parts.
fn split_login() -> (Vec<u8>, Vec<u8>) {
    let body = format!("email={}&pw=wrong", enc(FOO));
    let head = format!(
        "POST /login HTTP/1.1\r\nHost: demo\r\nContent-Type: {FORM}\r\n\
         Content-Length: {}\r\n\r\n",
        body.len()
    );
    let (first, rest) = body.split_at(10);
    (
        [head.as_bytes(), first.as_bytes()].concat(),
        rest.as_bytes().to_vec(),
    )
}

/// SIGTERM (and Ctrl-C's SIGINT): new connections are refused at once, the request in
/// flight is answered in full, and the process exits 0.
#[tokio::test]
async fn sigterm_and_ctrl_c_finish_the_request_in_flight_and_exit_0() {
    for signal in ["TERM", "INT"] {
        let mut demo = Demo::start(&format!("signal-{signal}"));
        let mut conn = tokio::net::TcpStream::connect(demo.addr)
            .await
            .expect("connect");
        let (first, rest) = split_login();
        conn.write_all(&first).await.expect("write");
        // The handler is now waiting for the rest of the body.
        tokio::time::sleep(Duration::from_millis(300)).await;
        demo.signal(signal);
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(
            tokio::net::TcpStream::connect(demo.addr).await.is_err(),
            "SIG{signal}: still accepting connections"
        );
        conn.write_all(&rest).await.expect("write the rest");
        let mut response = Vec::new();
        tokio::time::timeout(Duration::from_secs(10), conn.read_to_end(&mut response))
            .await
            .expect("the response comes")
            .expect("read the response");
        let response = String::from_utf8_lossy(&response);
        assert!(
            response.starts_with("HTTP/1.1 401") && response.contains("Bad login"),
            "SIG{signal}: the request in flight is answered: {response}"
        );
        let status = demo.wait_exit(Duration::from_secs(10));
        assert!(status.success(), "SIG{signal}: exit status {status}");
        assert!(demo.logs().contains("shutting down"), "{}", demo.logs());
    }
}
