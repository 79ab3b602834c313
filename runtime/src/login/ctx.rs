//! One request's login context: the request's session slot and the login settings,
//! found through the session layer's seam, and the login state kept in the slot.

use std::any::{Any, TypeId};
use std::sync::Arc;

use http::request::Parts;

use crate::login::rejection::{LoginRejection, MissingLoginManager};
use crate::login::settings::LoginSettings;
use crate::session::extras::Kept;
use crate::session::slot::Slot;
use crate::session::{SessionId, StoreUnavailable};

/// The request's slot and login settings.
#[derive(Clone, Debug)]
pub(crate) struct LoginCtx {
    pub(crate) slot: Arc<Slot>,
    pub(crate) login: Arc<LoginSettings>,
}

impl LoginCtx {
    pub(crate) async fn from_parts(parts: &Parts) -> Result<LoginCtx, LoginRejection> {
        let slot = crate::session::layer::current_slot()
            .ok_or_else(|| LoginRejection::MissingLayer(MissingLoginManager))?;
        // A session layer without a login manager above it carries no login settings.
        let login = slot
            .settings
            .extension
            .clone()
            .and_then(|e| e.downcast::<LoginSettings>().ok())
            .ok_or_else(|| LoginRejection::MissingLayer(MissingLoginManager))?;
        slot.load(&parts.headers)
            .await
            .map_err(|e| LoginRejection::StoreUnavailable(StoreUnavailable::logged(&e)))?;
        Ok(LoginCtx { slot, login })
    }

    pub(crate) fn state(&self) -> LoginSlot<'_> {
        LoginSlot(&self.slot)
    }
}

/// The login part of a request's slot: each call takes the slot's lock once. Login's
/// per-request state lives in the slot's `Extras` (the seam to the session layer).
#[derive(Clone, Copy)]
pub(crate) struct LoginSlot<'a>(pub(crate) &'a Slot);

impl LoginSlot<'_> {
    pub(crate) fn revoke(self, rid: SessionId) {
        self.0.with_extras(|e| e.delete.push(rid));
    }

    pub(crate) fn set_no_cookies(self) {
        self.0.with_extras(|e| e.no_cookies = true);
    }

    pub(crate) fn invalidate(self) {
        self.0.with_extras(|e| e.data = None);
    }

    pub(crate) fn cached<U: Send + Sync + 'static>(self) -> Option<Resolution<U>> {
        self.0.with_extras(|e| {
            let kept = e.data.as_ref().filter(|k| k.key == TypeId::of::<U>())?;
            let user = match &kept.value {
                Some(user) => Some(user.clone().downcast::<U>().ok()?),
                None => None,
            };
            Some(Resolution {
                user,
                fresh: kept.flag,
            })
        })
    }

    pub(crate) fn store<U: Send + Sync + 'static>(self, r: &Resolution<U>) {
        let kept = Kept {
            key: TypeId::of::<U>(),
            value: r.user.clone().map(|u| u as Arc<dyn Any + Send + Sync>),
            flag: r.fresh,
        };
        self.0.with_extras(|e| {
            e.private |= kept.value.is_some();
            e.data = Some(kept);
        });
    }
}

/// The outcome of resolving the current user.
#[derive(Debug)]
pub(crate) struct Resolution<U> {
    pub(crate) user: Option<Arc<U>>,
    pub(crate) fresh: bool,
}

impl<U> Resolution<U> {
    pub(crate) fn anonymous() -> Self {
        Resolution {
            user: None,
            fresh: false,
        }
    }
}
