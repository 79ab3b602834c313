//! Why a response becomes an error after its handler ran, and the store work that may
//! fail so.

use std::future::Future;
use std::pin::Pin;

use crate::session::store::StoreError;

/// Why the response becomes an error after the handler ran.
#[derive(Debug)]
pub(crate) enum Failure {
    /// A cookie could not be made: 500.
    Encode(crate::codec::EncodeError),
    /// The store failed: 503.
    Store(StoreError),
}

/// Store work run before a response's cookies are known; it returns them.
pub(crate) type StoreWork = Pin<Box<dyn Future<Output = Result<Vec<String>, Failure>> + Send>>;
