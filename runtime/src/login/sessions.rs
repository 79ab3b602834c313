//! "Where you're logged in": the user's live sessions, and ending one or all others
//! (SECURITY.md R42).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

use crate::login::AuthUser;
use crate::login::events::notice;
use crate::login::extract::Auth;
use crate::session::payload::Payload;
use crate::session::record;
use crate::session::{RecordKind, SessionId, StoreUnavailable, UserRecord};

/// One live session of the logged-in user, for a "your sessions" page.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SessionInfo {
    /// An opaque id for this session (22 URL-safe characters): neither the cookie value
    /// nor the store key, so it may be shown in a page and posted back to revoke it.
    pub id: String,
    /// When the session started (its login, or the last re-authentication), in seconds
    /// since the Unix epoch.
    pub started: u64,
    /// When it was last used, in seconds since the Unix epoch (recorded at most once a
    /// minute).
    pub last_used: u64,
    /// The User-Agent that logged in (store mode; in cookie mode, this request's).
    pub user_agent: Option<String>,
    /// Whether this is the session of the request.
    pub current: bool,
}

/// The opaque id of session `sid`: a one-way digest, so showing it reveals nothing of the
/// id that authenticates.
fn public_id(sid: &SessionId) -> String {
    let mut h = Sha256::new();
    h.update(b"axum-sesame public session id\0");
    h.update(sid.as_bytes());
    URL_SAFE_NO_PAD.encode(&h.finalize()[..16])
}

fn same_id(a: &str, b: &str) -> bool {
    constant_time_eq::constant_time_eq(a.as_bytes(), b.as_bytes())
}

/// This request's login, as the session holds it.
struct Current {
    uid: String,
    sid: Option<SessionId>,
    rt: Option<SessionId>,
    started: u64,
    last_used: u64,
}

impl<U: AuthUser> Auth<U> {
    fn current(&self) -> Option<Current> {
        self.ctx.slot.with(|s| {
            Some(Current {
                uid: s.uid.clone()?,
                sid: s.sid.filter(|_| !s.new_id),
                rt: s.rt,
                started: s.iat,
                last_used: s.seen,
            })
        })
    }

    /// The user's live sessions of this user, most recently used first.
    async fn live(
        &self,
        uid: &str,
    ) -> Result<Vec<(UserRecord, Payload, Option<String>)>, StoreUnavailable> {
        let Some(store) = &self.ctx.slot.settings.store else {
            return Ok(Vec::new());
        };
        let now = self.ctx.now();
        let lifetimes = &self.ctx.slot.settings.lifetimes;
        let records = store
            .list_user(uid)
            .await
            .map_err(|e| StoreUnavailable::logged(&e))?;
        let mut out: Vec<(UserRecord, Payload, Option<String>)> = records
            .into_iter()
            .filter(|r| r.kind == RecordKind::Session)
            .filter_map(|r| {
                let p = record::payload(&r.data)?;
                let tail = record::tail_of(&r.data);
                let live = p.sid == Some(r.id)
                    && p.uid.as_deref() == Some(uid)
                    && p.check_times(now, lifetimes).is_ok();
                let ua = record::meta(tail).ua;
                live.then_some((r, p, ua))
            })
            .collect();
        out.sort_by_key(|(_, p, _)| std::cmp::Reverse(p.seen));
        Ok(out)
    }

    /// The logged-in user's live sessions, most recently used first (empty when nobody is
    /// logged in). Store mode lists every session from the per-user index, in one lookup;
    /// cookie mode knows only the current one.
    ///
    /// # Errors
    /// [`StoreUnavailable`] when the store fails (answer 503).
    ///
    /// # Example
    /// ```
    /// use axum_sesame::{Auth, AuthUser, login_required};
    /// use axum_sesame::rejection::StoreUnavailable;
    /// # struct User;
    /// # impl AuthUser for User {
    /// #     type Id = String;
    /// #     fn id(&self) -> String { String::new() }
    /// #     fn session_auth_hash(&self) -> &[u8] { b"" }
    /// # }
    /// # #[axum_sesame::user_loader]
    /// # async fn load(_id: String) -> Option<User> { None }
    ///
    /// #[login_required(User)]
    /// async fn sessions(auth: Auth<User>) -> Result<String, StoreUnavailable> {
    ///     let lines: Vec<String> = auth
    ///         .sessions()
    ///         .await?
    ///         .iter()
    ///         .map(|s| format!("{} {} {}", s.id, s.last_used, if s.current { "(this one)" } else { "" }))
    ///         .collect();
    ///     Ok(lines.join("\n"))
    /// }
    /// # let _ = axum::Router::<()>::new().route("/sessions", axum::routing::get(sessions));
    /// ```
    pub async fn sessions(&self) -> Result<Vec<crate::login::SessionInfo>, StoreUnavailable> {
        let Some(current) = self.current() else {
            return Ok(Vec::new());
        };
        if self.ctx.slot.settings.store.is_none() {
            return Ok(current
                .sid
                .map(|sid| SessionInfo {
                    id: public_id(&sid),
                    started: current.started,
                    last_used: current.last_used.max(current.started),
                    user_agent: self.user_agent.clone(),
                    current: true,
                })
                .into_iter()
                .collect());
        }
        Ok(self
            .live(&current.uid)
            .await?
            .into_iter()
            .map(|(r, p, ua)| SessionInfo {
                id: public_id(&r.id),
                started: p.iat,
                last_used: p.seen,
                user_agent: ua,
                current: Some(r.id) == current.sid,
            })
            .collect())
    }

    /// Ends the logged-in user's session with this [`SessionInfo::id`], and the remember
    /// token issued in it: its client is anonymous on its next request. The current
    /// session's own id logs this client out. Returns `false` when the id is not one of
    /// the user's live sessions (in cookie mode: any id but the current one, since other
    /// sessions cannot be named there; end them with
    /// [`revoke_other_sessions`](Auth::revoke_other_sessions)).
    ///
    /// # Errors
    /// [`StoreUnavailable`] when the store fails.
    pub async fn revoke_session(&self, id: &str) -> Result<bool, StoreUnavailable> {
        let Some(current) = self.current() else {
            return Ok(false);
        };
        if current.sid.is_some_and(|sid| same_id(&public_id(&sid), id)) {
            self.logout_user();
            return Ok(true);
        }
        let Some(store) = &self.ctx.slot.settings.store else {
            return Ok(false);
        };
        let Some((r, p, _)) = self
            .live(&current.uid)
            .await?
            .into_iter()
            .find(|(r, _, _)| same_id(&public_id(&r.id), id))
        else {
            return Ok(false);
        };
        for ended in std::iter::once(r.id).chain(p.rt) {
            store
                .delete(&ended)
                .await
                .map_err(|e| StoreUnavailable::logged(&e))?;
        }
        notice(
            "session_revoked",
            Some(&current.uid),
            "the user ended another of their sessions",
        );
        Ok(true)
    }

    /// Ends every other session of the logged-in user and every remember token not tied
    /// to this session; this one stays logged in. Returns how many records ended.
    ///
    /// Store mode deletes them. Cookie mode cannot reach other cookies: keep a per-user
    /// "session epoch" in the user row, feed it into
    /// [`AuthUser::session_auth_hash`], bump it, then call
    /// [`update_session_auth_hash`](Auth::update_session_auth_hash) with the updated user
    /// so that this session goes on and every other session and remember cookie fails
    /// its auth-hash check on its next request. Doing the same in store mode too keeps
    /// one code path for both.
    ///
    /// # Errors
    /// [`StoreUnavailable`] when the store fails.
    pub async fn revoke_other_sessions(&self) -> Result<usize, StoreUnavailable> {
        let Some(current) = self.current() else {
            return Ok(0);
        };
        let Some(store) = &self.ctx.slot.settings.store else {
            return Ok(0);
        };
        let records = store
            .list_user(&current.uid)
            .await
            .map_err(|e| StoreUnavailable::logged(&e))?;
        let mut ended = 0;
        for r in records {
            if Some(r.id) == current.sid || Some(r.id) == current.rt {
                continue;
            }
            store
                .delete(&r.id)
                .await
                .map_err(|e| StoreUnavailable::logged(&e))?;
            ended += 1;
        }
        notice(
            "sessions_revoked",
            Some(&current.uid),
            &format!("the user ended their {ended} other session(s) and remember tokens"),
        );
        Ok(ended)
    }
}
