//! Checks the arguments and the function; builds the IR for the expansion.

use proc_macro2::Span;
use syn::{FnArg, GenericArgument, Lit, LitStr, Path, PathArguments, Type};

use super::parse::{Arg, Args};
use crate::attr::{Once, crate_path, default_crate};
use crate::item::{Errors, MaybeItemFn, check_handler_shape};

/// axum implements `Handler` for functions of at most 16 arguments; one is our guard.
const MAX_ARGS: usize = 15;

pub(crate) struct Ir {
    pub(crate) user: Type,
    /// Where "`User` has no `#[user_loader]`" is reported: the attribute's user type, or
    /// the `CurrentUser<User>` / `Auth<User>` argument it was inferred from.
    pub(crate) user_site: Type,
    pub(crate) fresh: bool,
    pub(crate) roles: Vec<LitStr>,
    pub(crate) permissions: Vec<LitStr>,
    pub(crate) redirect: Option<LitStr>,
    /// `check = …`: an async call over the handler's arguments, run before its body.
    pub(crate) check: Option<syn::Expr>,
    pub(crate) krate: Path,
    /// The attribute's own text, for the spec's unique id.
    pub(crate) args_text: String,
}

fn string(option: &str, example: &str, lit: Lit, errors: &mut Errors) -> Option<LitStr> {
    match lit {
        Lit::Str(s) if !s.value().is_empty() => Some(s),
        other => {
            errors.push(syn::Error::new_spanned(
                other,
                format!("`{option}` expects a non-empty string like {example}"),
            ));
            None
        }
    }
}

/// A local path no browser can resolve to another origin: the runtime's `next` rule
/// (`axum_sesame::redirect::is_safe_next`, R28). A proc-macro crate cannot depend on the
/// runtime that re-exports it, so the rule is written twice; both copies are tested on one
/// corpus, `runtime/src/next_corpus.rs`.
fn is_local_path(p: &str) -> bool {
    let b = p.as_bytes();
    !b.is_empty()
        && b.len() <= 2048
        && b[0] == b'/'
        && b.get(1).is_none_or(|&c| c != b'/' && c != b'\\')
        && b.iter().all(|&c| (0x21..=0x7e).contains(&c) && c != b'\\')
}

pub(crate) fn validate(args: Args, func: &MaybeItemFn, args_text: String) -> syn::Result<Ir> {
    let mut errors = Errors::default();
    let mut user = Once::new("the user type");
    let mut fresh = Once::new("`fresh`");
    let mut redirect = Once::new("`redirect`");
    let mut krate = Once::new("`crate`");
    let mut check = Once::new("`check` (combine the conditions in one function)");
    let (mut roles, mut permissions) = (Vec::new(), Vec::new());

    for (i, arg) in args.0.into_iter().enumerate() {
        match arg {
            Arg::User(ty) => {
                // Only the first one is out of place; a repeat is reported as a repeat.
                if i > 0 && !user.is_set() {
                    errors.push(syn::Error::new_spanned(
                        &ty,
                        "the user type must be the first argument: `#[login_required(User, …)]`",
                    ));
                }
                user.set(&ty, *ty.clone(), &mut errors);
            }
            Arg::Fresh(k) => fresh.set(k, (), &mut errors),
            Arg::Role(lit) => roles.extend(string("role", "\"admin\"", lit, &mut errors)),
            Arg::Permission(lit) => {
                permissions.extend(string("permission", "\"posts:write\"", lit, &mut errors))
            }
            Arg::Redirect(k, lit) => {
                if let Some(s) = string("redirect", "\"/login\"", lit, &mut errors) {
                    if is_local_path(&s.value()) {
                        redirect.set(k, s, &mut errors);
                    } else {
                        errors.push(syn::Error::new_spanned(
                            s,
                            "`redirect` expects a local path string like \"/login\" (one leading \
                             `/`, no scheme or host, printable ASCII)",
                        ));
                    }
                }
            }
            Arg::Check(k, expr) => check.set(k, *expr, &mut errors),
            Arg::Crate(k, lit) => {
                let path = match lit {
                    Lit::Str(s) => crate_path(&s, &mut errors),
                    other => {
                        errors.push(syn::Error::new_spanned(
                            other,
                            "`crate` expects a path string like \"::axum_sesame\"",
                        ));
                        None
                    }
                };
                if let Some(path) = path {
                    krate.set(k, path, &mut errors);
                }
            }
        }
    }

    check_handler_shape("login_required", &func.sig, &mut errors);
    // The guard, and with `check` the refusal it may need, are added arguments.
    let max_args = if check.is_set() {
        MAX_ARGS - 1
    } else {
        MAX_ARGS
    };
    if func.sig.inputs.len() > max_args {
        errors.push(syn::Error::new_spanned(
            &func.sig.inputs,
            format!(
                "`#[login_required]` adds a guard argument and axum handlers take at most 16: \
                 this function already has {}; group some extractors into a struct",
                func.sig.inputs.len()
            ),
        ));
    }

    let user = match user.into_inner() {
        Some(ty) => Some((ty.clone(), ty)),
        None => infer_user(func),
    };
    if user.is_none() {
        errors.push(syn::Error::new(
            func.sig.ident.span(),
            "`#[login_required]` cannot infer the user type: take a `CurrentUser<User>` or \
             `Auth<User>` argument, or name it: `#[login_required(User)]`",
        ));
    }
    errors.finish()?;
    let Some((user, user_site)) = user else {
        // An error was pushed above whenever `user` is `None`.
        return Err(syn::Error::new(Span::call_site(), "missing user type"));
    };
    Ok(Ir {
        user,
        user_site,
        fresh: fresh.into_inner().is_some(),
        roles,
        permissions,
        redirect: redirect.into_inner(),
        check: check.into_inner(),
        krate: krate.into_inner().unwrap_or_else(default_crate),
        args_text,
    })
}

/// `U` from an argument of type `CurrentUser<U>`, `Option<CurrentUser<U>>` or `Auth<U>`,
/// with that argument's type.
fn infer_user(func: &MaybeItemFn) -> Option<(Type, Type)> {
    func.sig.inputs.iter().find_map(|arg| match arg {
        FnArg::Typed(pt) => user_of(&pt.ty).map(|u| (u, (*pt.ty).clone())),
        FnArg::Receiver(_) => None,
    })
}

fn user_of(ty: &Type) -> Option<Type> {
    let Type::Path(tp) = ty else { return None };
    let last = tp.path.segments.last()?;
    let PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    let first = args.args.iter().find_map(|a| match a {
        GenericArgument::Type(t) => Some(t),
        _ => None,
    })?;
    match last.ident.to_string().as_str() {
        "CurrentUser" | "Auth" => Some(first.clone()),
        "Option" => user_of(first),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::is_local_path;

    include!("../../../runtime/src/next_corpus.rs");

    #[test]
    fn the_runtime_s_next_rule_holds() {
        for (target, safe) in NEXT_CORPUS {
            assert_eq!(is_local_path(target), *safe, "{target:?}");
        }
        assert!(is_local_path(&format!("/{}", "a".repeat(2047))));
        assert!(!is_local_path(&format!("/{}", "a".repeat(2048))));
    }
}
