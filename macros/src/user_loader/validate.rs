//! Checks the loader's signature: `async fn(id: Id, extractors…) -> Option<U>` or
//! `-> Result<Option<U>, E>`.

use syn::{FnArg, GenericArgument, Lit, Path, PathArguments, ReturnType, Type};

use super::parse::Args;
use crate::attr::{Once, crate_path, default_crate};
use crate::item::{Errors, MaybeItemFn, check_handler_shape};

pub(crate) struct Ir {
    pub(crate) user: Type,
    pub(crate) id_ty: Type,
    pub(crate) extractors: Vec<Type>,
    pub(crate) krate: Path,
}

const RETURN_HELP: &str = "`#[user_loader]` must return `Option<User>` or \
                           `Result<Option<User>, E>`";

pub(crate) fn validate(args: Args, func: &MaybeItemFn) -> syn::Result<Ir> {
    let mut errors = Errors::default();
    let mut krate = Once::new("`crate`");
    for arg in args.0 {
        match arg.value {
            Lit::Str(s) => {
                if let Some(p) = crate_path(&s, &mut errors) {
                    krate.set(arg.keyword, p, &mut errors);
                }
            }
            other => errors.push(syn::Error::new_spanned(
                other,
                "`crate` expects a path string like \"::axum_sesame\"",
            )),
        }
    }
    check_handler_shape("user_loader", &func.sig, &mut errors);

    let mut types = func.sig.inputs.iter().filter_map(|a| match a {
        FnArg::Typed(pt) => Some((*pt.ty).clone()),
        FnArg::Receiver(_) => None,
    });
    let id_ty = types.next();
    if id_ty.is_none() && func.sig.receiver().is_none() {
        errors.push(syn::Error::new_spanned(
            &func.sig.ident,
            "`#[user_loader]` needs the user id as its first argument: \
             `async fn load_user(id: String) -> Option<User>`",
        ));
    }
    let extractors: Vec<Type> = types.collect();

    let user = match &func.sig.output {
        ReturnType::Default => {
            errors.push(syn::Error::new_spanned(&func.sig.ident, RETURN_HELP));
            None
        }
        ReturnType::Type(_, ty) => {
            let user = loaded_user(ty);
            if user.is_none() {
                errors.push(syn::Error::new_spanned(ty, RETURN_HELP));
            }
            user
        }
    };
    errors.finish()?;
    match (user, id_ty) {
        (Some(user), Some(id_ty)) => Ok(Ir {
            user,
            id_ty,
            extractors,
            krate: krate.into_inner().unwrap_or_else(default_crate),
        }),
        // Errors were pushed above for each `None`.
        _ => Err(syn::Error::new_spanned(&func.sig, RETURN_HELP)),
    }
}

/// The single type argument of a path type whose last segment is `name`.
fn generic_of<'a>(ty: &'a Type, name: &str) -> Option<&'a Type> {
    let Type::Path(tp) = ty else { return None };
    let last = tp.path.segments.last()?;
    if last.ident != name {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    args.args.iter().find_map(|a| match a {
        GenericArgument::Type(t) => Some(t),
        _ => None,
    })
}

/// `U` of `Option<U>` or `Result<Option<U>, E>`.
fn loaded_user(ty: &Type) -> Option<Type> {
    generic_of(ty, "Option")
        .or_else(|| generic_of(ty, "Result").and_then(|ok| generic_of(ok, "Option")))
        .cloned()
}
