//! The Flask twin, `tests/flask/app.py`, as a running process killed on drop. Shared
//! through `#[path]` by `tests/flask/` and `runtime/tests/flask_session.rs`.
#![allow(dead_code, unreachable_pub)]

use std::io::{BufRead as _, BufReader};
use std::process::{Child, Command, Stdio};

/// A running Flask twin and its base URL.
pub struct FlaskApp {
    child: Child,
    pub url: String,
}

impl FlaskApp {
    /// Runs `script` with `python` on a free port, with `env` (the twin's settings), and
    /// waits until it serves.
    pub fn start(python: &str, script: &str, env: &[(&str, &str)]) -> FlaskApp {
        let mut child = Command::new(python)
            .arg(script)
            .envs(env.iter().copied())
            .env("PORT", "0")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run {python}: {e}"));
        let stdout = child.stdout.take().expect("piped stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("read the Flask app's first line");
        let url = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("the Flask app did not start: {line:?}"))
            .to_owned();
        FlaskApp { child, url }
    }
}

impl Drop for FlaskApp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
