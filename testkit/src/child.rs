//! A twin process (the Flask app of `tests/flask/`) that serves until dropped.

use std::io::{BufRead as _, BufReader};
use std::process::{Child, Command, Stdio};

/// A running twin process and its base URL, killed on drop.
#[derive(Debug)]
pub struct ChildApp {
    child: Child,
    /// The base URL it serves.
    pub url: String,
}

impl ChildApp {
    /// Runs `script` with `python` on a free port, with `env` (the twin's settings), and
    /// waits until it serves.
    pub fn start(python: &str, script: &str, env: &[(&str, &str)]) -> ChildApp {
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
        ChildApp { child, url }
    }
}

impl Drop for ChildApp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
