//! Attribute-argument helpers: set-once options and the `crate = "…"` path.

use proc_macro2::Span;
use quote::ToTokens;
use syn::{LitStr, Path};

use crate::item::Errors;

/// An option that may be given at most once. A second occurrence is reported on its own
/// keyword. `name` is how messages call it, e.g. "`fresh`" or "the user type".
pub(crate) struct Once<T> {
    name: &'static str,
    value: Option<T>,
}

impl<T> Once<T> {
    pub(crate) fn new(name: &'static str) -> Self {
        Once { name, value: None }
    }

    pub(crate) fn set(&mut self, keyword: impl ToTokens, value: T, errors: &mut Errors) {
        if self.value.is_some() {
            errors.push(syn::Error::new_spanned(
                keyword,
                format!("{} is given more than once: keep one", self.name),
            ));
        } else {
            self.value = Some(value);
        }
    }

    pub(crate) fn is_set(&self) -> bool {
        self.value.is_some()
    }

    pub(crate) fn into_inner(self) -> Option<T> {
        self.value
    }
}

/// Parses `crate = "path"`.
pub(crate) fn crate_path(lit: &LitStr, errors: &mut Errors) -> Option<Path> {
    match lit.parse::<Path>() {
        Ok(path) => Some(path),
        Err(_) => {
            errors.push(syn::Error::new_spanned(
                lit,
                "`crate` expects a path string like \"::axum_sesame\" or \"my_crate::auth\"",
            ));
            None
        }
    }
}

/// The default runtime crate path.
pub(crate) fn default_crate() -> Path {
    syn::parse_quote_spanned!(Span::call_site()=> ::axum_sesame)
}
