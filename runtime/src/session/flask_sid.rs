//! A Flask-Session id, as a session state carries it.

use std::fmt;

/// A Flask-Session id: a bearer secret, never printed.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct FlaskSid(pub(crate) String);

impl FlaskSid {
    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for FlaskSid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("FlaskSid(..)")
    }
}
