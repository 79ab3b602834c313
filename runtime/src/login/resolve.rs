//! Who is the current user: session, then remember cookie, then request loaders. Once
//! per request; the result is cached in the request's slot.

use std::sync::Arc;

use hmac::Mac;
use http::request::Parts;

use crate::key::{Key, Purpose};
use crate::login::client::bearer_token;
use crate::login::ctx::{LoginCtx, Resolution};
use crate::login::events::{dispatch, notice, signal};
use crate::login::format::{client_identity, open_remember, seal_remember};
use crate::login::rejection::LoginRejection;
use crate::login::remember::RememberPayload;
use crate::login::settings::{SessionProtection, TypedRequestLoader};
use crate::login::signal::LoginSignal;
use crate::login::store_mode::{Login, Restored};
use crate::login::{AuthUser, UserLoader};
use crate::session::cookie_header::cookie_values;
use crate::session::incoming::Unread;
use crate::session::memo;
use crate::session::payload::Digest16;
use crate::session::state::SessionState;

/// What happens to the remember cookie in this response.
#[derive(Debug, Default)]
pub(crate) enum RememberAction {
    #[default]
    Keep,
    /// Send this `Set-Cookie` value.
    Set(String),
    /// Delete the cookie.
    Clear,
}

impl LoginCtx {
    pub(crate) fn now(&self) -> u64 {
        self.slot.now()
    }

    pub(crate) fn key(&self) -> &Key {
        self.slot.settings.codec.keys().current()
    }

    pub(crate) fn is_fresh(&self, fat: Option<u64>, now: u64) -> bool {
        fat.is_some_and(|t| {
            self.login
                .fresh_secs
                .is_none_or(|w| now.saturating_sub(t) <= w)
        })
    }

    /// The request's remember cookie: the first candidate that verifies and is current.
    pub(crate) fn remember_cookie(&self, parts: &Parts, now: u64) -> Option<RememberPayload> {
        self.remember_lookup(parts, now).ok()
    }

    /// [`remember_cookie`](Self::remember_cookie), or why none was usable: a candidate
    /// that could not be read at all wins, so nothing deletes it (R47).
    pub(crate) fn remember_lookup(
        &self,
        parts: &Parts,
        now: u64,
    ) -> Result<RememberPayload, Option<Unread>> {
        let mut why = None;
        for value in cookie_values(&parts.headers, &self.login.remember.name)
            .take(crate::session::cookie_header::MAX_CANDIDATES)
        {
            match open_remember(&self.slot.settings, &self.login, value, now) {
                Ok(r) => return Ok(r),
                Err(Unread::Unreadable) => why = Some(Unread::Unreadable),
                Err(Unread::Stale) => {
                    why = why.or(Some(Unread::Stale));
                }
            }
        }
        Err(why)
    }

    pub(crate) fn has_remember_cookie(&self, parts: &Parts) -> bool {
        // The session layer saw no `Cookie` header: no second lookup.
        !self.slot.cookieless()
            && cookie_values(&parts.headers, &self.login.remember.name)
                .next()
                .is_some()
    }

    /// Issues a remember cookie; an error when it could not be made (too large for a
    /// browser): the caller decides, nothing is sent (R45).
    pub(crate) fn set_remember(
        &self,
        payload: &RememberPayload,
        now: u64,
    ) -> Result<(), crate::codec::EncodeError> {
        let cookie =
            seal_remember(&self.slot.settings, &self.login, payload).and_then(|value| {
                self.login
                    .remember
                    .set_cookie(value, Some(payload.remaining(now)))
            })?;
        self.remember_action(RememberAction::Set(cookie));
        Ok(())
    }

    /// What this response does to the remember cookie (the last decision wins).
    pub(crate) fn remember_action(&self, action: RememberAction) {
        let line = match action {
            RememberAction::Keep => None,
            RememberAction::Set(line) => Some(line),
            RememberAction::Clear => Some(self.login.remember.removal()),
        };
        self.slot.with_extras(|e| e.cookie = line);
    }

    /// Re-issues a remember cookie the client already holds (a refresh, a new key); when
    /// that fails the old cookie is kept, and the failure logged.
    pub(crate) fn refresh_remember(&self, payload: &RememberPayload, now: u64) {
        if let Err(error) = self.set_remember(payload, now) {
            tracing::warn!(target: "axum_sesame::login", %error, "could not re-issue the remember cookie");
        }
    }

    /// Drops the login from the session (keeping other data) and the remember cookie.
    /// In store mode the logged-in record and its remember token are deleted at once.
    fn drop_login(&self, parts: &Parts) {
        self.revoke_client_tokens(None);
        self.slot.with(SessionState::drop_login);
        if self.has_remember_cookie(parts) {
            self.remember_action(RememberAction::Clear);
        }
    }
}

/// `HMAC(K_authhash, len(uid) ‖ uid ‖ material)[..16]` (base64url in the payload).
pub(crate) fn auth_hash(key: &Key, uid: &str, material: &[u8]) -> Digest16 {
    memo::auth_hash(key, uid, material, || {
        let mut mac = key.subkey(Purpose::AuthHash).mac.clone();
        mac.update(&(uid.len() as u64).to_be_bytes());
        mac.update(uid.as_bytes());
        mac.update(material);
        let tag = mac.finalize().into_bytes();
        let mut out = [0u8; 16];
        out.copy_from_slice(&tag[..16]);
        Digest16(out)
    })
}

/// Which key produced a matching auth hash.
enum HashMatch {
    Current,
    Fallback,
}

fn check_auth_hash<U: AuthUser>(
    ctx: &LoginCtx,
    uid: &str,
    stored: &Digest16,
    user: &U,
) -> Option<HashMatch> {
    let material = user.session_auth_hash();
    for (i, key) in ctx.slot.settings.codec.keys().iter().enumerate() {
        if auth_hash(key, uid, material).ct_eq(stored) {
            return Some(if i == 0 {
                HashMatch::Current
            } else {
                HashMatch::Fallback
            });
        }
    }
    None
}

/// Parses the id and runs the user loader. Inactive users count as missing.
async fn load<U, S>(uid: &str, parts: &mut Parts, state: &S) -> Result<Option<U>, LoginRejection>
where
    U: UserLoader<S>,
    S: Send + Sync + 'static,
{
    // (No `Result` across the await: the parse error need not be `Send`.)
    let Ok(id) = uid.parse::<U::Id>() else {
        return Ok(None);
    };
    load_id::<U, S>(id, parts, state).await
}

/// Runs the user loader. Inactive users count as missing.
async fn load_id<U, S>(id: U::Id, parts: &mut Parts, state: &S) -> Result<Option<U>, LoginRejection>
where
    U: UserLoader<S>,
    S: Send + Sync + 'static,
{
    match <U as UserLoader<S>>::load_user(id, parts, state).await {
        Ok(Some(user)) if user.is_active() => Ok(Some(user)),
        Ok(_) => Ok(None),
        Err(e) => Err(LoginRejection::LoaderFailed(e.into())),
    }
}

/// The current user of the request, loaded at most once.
pub(crate) async fn resolve<U, S>(
    parts: &mut Parts,
    state: &S,
) -> Result<(LoginCtx, Resolution<U>), LoginRejection>
where
    U: UserLoader<S>,
    S: Send + Sync + 'static,
{
    let ctx = LoginCtx::from_parts(parts).await?;
    let r = resolve_with::<U, S>(&ctx, parts, state).await?;
    Ok((ctx, r))
}

/// [`resolve`] for a caller that already holds the request's context.
pub(crate) async fn resolve_with<U, S>(
    ctx: &LoginCtx,
    parts: &mut Parts,
    state: &S,
) -> Result<Resolution<U>, LoginRejection>
where
    U: UserLoader<S>,
    S: Send + Sync + 'static,
{
    if let Some(r) = ctx.state().cached::<U>() {
        return Ok(r);
    }
    let r = resolve_uncached::<U, S>(ctx, parts, state).await?;
    ctx.state().store(&r);
    Ok(r)
}

async fn resolve_uncached<U, S>(
    ctx: &LoginCtx,
    parts: &mut Parts,
    state: &S,
) -> Result<Resolution<U>, LoginRejection>
where
    U: UserLoader<S>,
    S: Send + Sync + 'static,
{
    let login = &*ctx.login;
    // The id is parsed under the lock: no copy of the session's string.
    let (id, ah, mut fat, cid, permanent) = ctx.slot.with(|s| {
        // `Option<Option<Id>>`: a session id that does not parse is a missing user.
        let id = s.uid.as_deref().map(|u| u.parse::<U::Id>().ok());
        (id, s.ah, s.fat, s.cid.clone(), s.permanent)
    });

    // 1. The session.
    if let Some(id) = id {
        // A missing or malformed identity is a mismatch too (R43): Flask-Login writes no
        // `_id` when it restores a login from its remember cookie, and purges such a
        // session under strong protection.
        if login.protection != SessionProtection::Off
            && cid.as_ref() != Some(&client_identity(&ctx.slot.settings, parts))
        {
            let uid = ctx.slot.with(|s| s.uid.clone());
            let reason = match login.protection {
                SessionProtection::Basic => "the client changed: the login is no longer fresh",
                _ if permanent => "the client changed: the permanent login is no longer fresh",
                _ => "the client changed: logged out (strong protection)",
            };
            notice("session_protected", uid.as_deref(), reason);
            dispatch(ctx, LoginSignal::SessionProtected, uid.as_deref(), parts);
            if login.protection == SessionProtection::Basic || permanent {
                fat = None;
                ctx.slot.with(|s| {
                    if s.fat.take().is_some() {
                        s.changes().login = true;
                        s.modified = true;
                    }
                });
            } else {
                ctx.drop_login(parts);
                return Ok(Resolution::anonymous());
            }
        }
        let user = match id {
            Some(id) => load_id::<U, S>(id, parts, state).await?,
            None => None,
        };
        let hashed = ctx.slot.settings.format.has_auth_hash();
        let matched = match (&user, &ah) {
            // Flask-Login has no auth hash: a loaded user is the login.
            (Some(_), _) if !hashed => Some(HashMatch::Current),
            (Some(u), Some(ah)) => ctx.slot.with(|s| {
                let uid = s.uid.as_deref()?;
                let m = check_auth_hash(ctx, uid, ah, u)?;
                if matches!(m, HashMatch::Fallback) {
                    // Verified under a fallback key: re-issue under the current one.
                    s.ah = Some(auth_hash(ctx.key(), uid, u.session_auth_hash()));
                    s.changes().login = true;
                    s.modified = true;
                }
                Some(m)
            }),
            _ => None,
        };
        return Ok(match (user, matched) {
            (Some(user), Some(_)) => {
                // The remember cookie is read beside a valid session only to refresh it,
                // or, while the key ring has fallbacks, to re-issue one that verifies only
                // under a fallback key (R46: else it dies when that key is removed).
                if (login.remember_refresh || ctx.slot.settings.rotating())
                    && let Some(uid) = ctx.slot.with(|s| s.uid.clone())
                    && let Some(mut r) = ctx
                        .remember_cookie(parts, ctx.now())
                        .filter(|r| r.uid == uid)
                    && (login.remember_refresh || r.rotated)
                {
                    let now = ctx.now();
                    if login.remember_refresh {
                        r.exp = now.saturating_add(login.remember_secs);
                    }
                    if ctx.slot.settings.format.has_auth_hash() {
                        r.ah = auth_hash(ctx.key(), &uid, user.session_auth_hash());
                    }
                    ctx.refresh_remember(&r, now);
                }
                Resolution {
                    user: Some(Arc::new(user)),
                    fresh: ctx.is_fresh(fat, ctx.now()),
                }
            }
            (user, _) => {
                // Unknown, inactive, or the password changed: log out (R22, R23).
                let uid = ctx.slot.with(|s| s.uid.clone());
                let reason = match user {
                    None => "the user is unknown or inactive",
                    Some(_) => "the session's auth hash is stale (the password changed)",
                };
                notice("session_ended", uid.as_deref(), reason);
                ctx.drop_login(parts);
                Resolution::anonymous()
            }
        });
    }

    // 2. The remember cookie.
    if ctx.has_remember_cookie(parts) {
        let now = ctx.now();
        let found = ctx.remember_lookup(parts, now);
        let unreadable = matches!(found, Err(Some(Unread::Unreadable)));
        if let Ok(r) = found
            && let Some(user) = load::<U, S>(&r.uid, parts, state).await?
            && (!ctx.slot.settings.format.has_auth_hash()
                || check_auth_hash(ctx, &r.uid, &r.ah, &user).is_some())
            && let Some(token) = ctx.remember_record(&r).await?
        {
            let ah = auth_hash(ctx.key(), &r.uid, user.session_auth_hash());
            let restore = Login {
                ah,
                identity: client_identity(&ctx.slot.settings, parts),
                permanent: login.permanent_login,
            };
            let fat = match ctx.restore(&r, token, restore, parts).await? {
                Restored::Continued { fat } => fat,
                Restored::NoCookies => {
                    ctx.state().set_no_cookies();
                    None
                }
                Restored::Cookie | Restored::Started => None,
            };
            signal("loaded_from_cookie", Some(&r.uid));
            dispatch(ctx, LoginSignal::LoadedFromCookie, Some(&r.uid), parts);
            let stale = r.rotated || !ah.ct_eq(&r.ah);
            if stale || login.remember_refresh {
                let mut r = r;
                r.ah = ah;
                if login.remember_refresh {
                    r.exp = now.saturating_add(login.remember_secs);
                }
                ctx.refresh_remember(&r, now);
            }
            return Ok(Resolution {
                user: Some(Arc::new(user)),
                fresh: ctx.is_fresh(fat, now),
            });
        }

        if unreadable {
            // Another key's, another app's, or dated in the future: left alone (R47).
            crate::session::incoming::note_unreadable();
        } else {
            // Ours, but expired, revoked, or no longer matching: delete it (R25).
            ctx.remember_action(RememberAction::Clear);
        }
    }

    // 3. Request loaders (API tokens). Such requests never get a cookie.
    for loader in &login.request_loaders {
        let Some(value) = parts
            .headers
            .get(&loader.header)
            .and_then(|v| v.to_str().ok())
        else {
            continue;
        };
        let value = if loader.bearer {
            match bearer_token(value) {
                Some(token) => token,
                None => continue,
            }
        } else {
            value.trim()
        };
        if value.is_empty() {
            continue;
        }
        if let Some(uid) = (loader.load)(value.to_owned()).await
            && let Some(user) = load::<U, S>(&uid, parts, state).await?
        {
            return Ok(from_request(ctx, parts, user));
        }
    }
    // 4. Request loaders of this user type and state (Flask-Login's `request_loader`).
    for loader in &login.typed_loaders {
        let Some(loader) = loader.downcast_ref::<TypedRequestLoader<U, S>>() else {
            continue;
        };
        match loader(parts, state).await {
            Ok(Some(user)) if user.is_active() => return Ok(from_request(ctx, parts, user)),
            Ok(_) => {}
            Err(e) => return Err(LoginRejection::LoaderFailed(e.into())),
        }
    }
    Ok(Resolution::anonymous())
}

/// A user a request loader found: for this request only, with no cookie.
fn from_request<U: AuthUser>(ctx: &LoginCtx, parts: &Parts, user: U) -> Resolution<U> {
    ctx.state().set_no_cookies();
    let uid = user.id().to_string();
    signal("loaded_from_request", Some(&uid));
    dispatch(ctx, LoginSignal::LoadedFromRequest, Some(&uid), parts);
    Resolution {
        user: Some(Arc::new(user)),
        fresh: false,
    }
}
