//! HTTP by hand for the end-to-end tests: one browser's cookie jar, filled from any
//! server's `Set-Cookie`, and requests that follow no redirect. Shared through
//! `#[path]` by `tests/` and `runtime/tests/` (one copy instead of one per suite).
#![allow(dead_code, unreachable_pub)]

use std::collections::BTreeMap;

use reqwest::header::{COOKIE, SET_COOKIE, USER_AGENT};

/// A browser's cookies for one host (both servers of a two-port test share it).
#[derive(Default, Clone, Debug)]
pub struct Jar(pub BTreeMap<String, String>);

impl Jar {
    /// The `Cookie` header the browser would send.
    pub fn header(&self) -> String {
        self.0
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// A cookie's value, if the jar holds it.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    /// Sets a cookie by hand (a hostile client, say).
    pub fn set(&mut self, name: &str, value: &str) {
        self.0.insert(name.to_owned(), value.to_owned());
    }

    /// A jar with only the cookie `name`.
    pub fn only(&self, name: &str) -> Jar {
        Jar(self
            .0
            .iter()
            .filter(|(k, _)| *k == name)
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect())
    }

    /// Stores or deletes what `res` sets; returns its `Set-Cookie` lines.
    pub fn take(&mut self, res: &reqwest::Response) -> Vec<String> {
        let mut lines = Vec::new();
        for v in res.headers().get_all(SET_COOKIE) {
            let v = v.to_str().expect("ASCII Set-Cookie").to_owned();
            let pair = v.split(';').next().unwrap_or_default();
            let (name, value) = pair.split_once('=').expect("name=value");
            let expired = v.to_ascii_lowercase().contains("max-age=0")
                || v.contains("01 Jan 1970")
                || value.is_empty();
            if expired {
                self.0.remove(name);
            } else {
                self.0.insert(name.to_owned(), value.to_owned());
            }
            lines.push(v);
        }
        lines
    }
}

/// A client that follows no redirect and keeps no cookies of its own.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("a reqwest client")
}

/// What a server answered.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub body: String,
    pub set_cookies: Vec<String>,
}

/// A form body, `@` escaped (enough for the emails the tests send).
pub fn form(fields: &[(&str, &str)]) -> String {
    fields
        .iter()
        .map(|(k, v)| format!("{k}={}", v.replace('@', "%40")))
        .collect::<Vec<_>>()
        .join("&")
}

/// Sends `method url` with the jar's cookies and `user_agent`; a `Some` body goes as a
/// form. The jar takes what the response sets.
pub async fn send(
    method: &str,
    url: &str,
    jar: &mut Jar,
    user_agent: &str,
    body: Option<String>,
) -> Reply {
    let method = reqwest::Method::from_bytes(method.as_bytes()).expect("a method");
    let mut req = client()
        .request(method.clone(), url)
        .header(USER_AGENT, user_agent)
        .header(COOKIE, jar.header());
    if let Some(body) = body {
        req = req
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body);
    }
    let res = req
        .send()
        .await
        .unwrap_or_else(|e| panic!("{method} {url}: {e}"));
    let set_cookies = jar.take(&res);
    let status = res.status().as_u16();
    Reply {
        status,
        body: res.text().await.expect("a body"),
        set_cookies,
    }
}
