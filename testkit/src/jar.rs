//! One browser's cookies for one host.

use std::collections::BTreeMap;

use axum::http::HeaderMap;
use axum::http::header::SET_COOKIE;

use crate::set_cookie::SetCookie;

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

    /// Whether the jar holds no cookie.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
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

    /// Stores or deletes what `headers` set; returns their `Set-Cookie` lines.
    pub fn take(&mut self, headers: &HeaderMap) -> Vec<String> {
        let mut lines = Vec::new();
        for v in headers.get_all(SET_COOKIE) {
            let line = v.to_str().expect("ASCII Set-Cookie").to_owned();
            let c = SetCookie::parse(&line);
            if c.is_removal() {
                self.0.remove(&c.name);
            } else {
                self.0.insert(c.name, c.value);
            }
            lines.push(line);
        }
        lines
    }
}
