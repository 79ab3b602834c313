//! Permissions that need data: an async check of the user and the request's
//! extractors, for [`LoginRequired::check`](crate::LoginRequired::check).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use axum_core::extract::FromRequestParts;
use axum_core::response::{IntoResponse, Response};
use http::request::Parts;

use crate::login::HasUserLoader;
use crate::login::extract::CurrentUser;

/// An async function of the user and any of the request's extractors that says whether
/// the request may go on: `async fn can_edit(user: CurrentUser<User>, Path(id):
/// Path<u64>, State(db): State<Db>) -> bool`. `false` answers 403 (the forbidden
/// handler's answer, if there is one); an extractor that fails answers with its own
/// rejection. Implemented for such functions with up to six extractors after the user.
pub trait Check<U: HasUserLoader, S, T>: Clone + Send + Sync + 'static {
    /// Runs the check.
    fn run<'a>(
        &'a self,
        user: CurrentUser<U>,
        parts: &'a mut Parts,
        state: &'a S,
    ) -> Pin<Box<dyn Future<Output = Result<bool, Response>> + Send + 'a>>;
}

macro_rules! impl_check {
    ($($ty:ident),*) => {
        #[allow(non_snake_case, unused_variables)]
        impl<F, Fut, U, S, $($ty,)*> Check<U, S, ($($ty,)*)> for F
        where
            F: Fn(CurrentUser<U>, $($ty,)*) -> Fut + Clone + Send + Sync + 'static,
            Fut: Future<Output = bool> + Send,
            U: HasUserLoader + Send + Sync + 'static,
            S: Send + Sync,
            $($ty: FromRequestParts<S> + Send,)*
        {
            fn run<'a>(
                &'a self,
                user: CurrentUser<U>,
                parts: &'a mut Parts,
                state: &'a S,
            ) -> Pin<Box<dyn Future<Output = Result<bool, Response>> + Send + 'a>> {
                Box::pin(async move {
                    $(
                        let $ty = match $ty::from_request_parts(parts, state).await {
                            Ok(value) => value,
                            Err(rejection) => return Err(rejection.into_response()),
                        };
                    )*
                    Ok(self(user, $($ty,)*).await)
                })
            }
        }
    };
}

impl_check!();
impl_check!(T1);
impl_check!(T1, T2);
impl_check!(T1, T2, T3);
impl_check!(T1, T2, T3, T4);
impl_check!(T1, T2, T3, T4, T5);
impl_check!(T1, T2, T3, T4, T5, T6);

/// A [`Check`] with its extractors' types erased.
pub(crate) type ErasedCheck<U, S> = Arc<
    dyn for<'a> Fn(
            Arc<U>,
            &'a mut Parts,
            &'a S,
        ) -> Pin<Box<dyn Future<Output = Result<bool, Response>> + Send + 'a>>
        + Send
        + Sync,
>;

/// Erases `check`'s extractor types.
pub(crate) fn erase<U, S, T, C>(check: C) -> ErasedCheck<U, S>
where
    U: HasUserLoader + Send + Sync,
    C: Check<U, S, T>,
    S: Send + Sync + 'static,
    T: 'static,
{
    Arc::new(move |user, parts, state| {
        let check = check.clone();
        Box::pin(async move { check.run(CurrentUser::from_arc(user), parts, state).await })
    })
}
