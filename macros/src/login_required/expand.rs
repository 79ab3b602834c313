//! The expansion: the user's function with `_: RequireLogin<User, Spec>` as its first
//! argument, and a private const that checks the user type and, for options with values,
//! implements the route's `GuardSpec`. The body is re-emitted untouched.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};

use proc_macro2::{Span, TokenStream, TokenTree};
use quote::{ToTokens, format_ident, quote, quote_spanned};
use syn::spanned::Spanned;

use super::validate::Ir;
use crate::item::MaybeItemFn;
use crate::paths::Paths;

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// An id unique to this handler within the crate (impls of the same user type must not
/// collide): its name, the attribute text, its position and an expansion counter.
fn unique_id(ir: &Ir, func: &MaybeItemFn) -> u64 {
    let mut h = DefaultHasher::new();
    func.sig.ident.to_string().hash(&mut h);
    ir.args_text.hash(&mut h);
    format!("{:?}", func.sig.ident.span()).hash(&mut h);
    COUNTER.fetch_add(1, Ordering::Relaxed).hash(&mut h);
    h.finish()
}

pub(crate) fn expand(ir: Ir, mut func: MaybeItemFn) -> TokenStream {
    let paths = Paths::new(ir.krate.clone());
    let user = &ir.user;
    let require = paths.require_login();
    let auth_user = paths.auth_user();

    let tagged = !ir.roles.is_empty() || !ir.permissions.is_empty() || ir.redirect.is_some();
    let (guard_ty, spec_impl) = if tagged {
        let id = unique_id(&ir, &func);
        let tag = paths.tag();
        let spec = paths.guard_spec();
        let fresh = ir.fresh;
        let roles = &ir.roles;
        let permissions = &ir.permissions;
        let redirect = match &ir.redirect {
            Some(r) => quote!(::core::option::Option::Some(#r)),
            None => quote!(::core::option::Option::None),
        };
        (
            quote!(#require<#user, #tag<#id>>),
            quote! {
                impl #spec<#user> for #tag<#id> {
                    const FRESH: bool = #fresh;
                    const ROLES: &'static [&'static str] = &[#(#roles),*];
                    const PERMISSIONS: &'static [&'static str] = &[#(#permissions),*];
                    const REDIRECT: ::core::option::Option<&'static str> = #redirect;
                }
            },
        )
    } else if ir.fresh {
        let fresh = paths.fresh();
        (quote!(#require<#user, #fresh>), TokenStream::new())
    } else {
        (quote!(#require<#user>), TokenStream::new())
    };

    // "`User` is not a user type" lands on the user's own type token.
    let probe_fn = format_ident!("__login_probe", span = Span::mixed_site());
    let probe = quote_spanned! {user.span()=>
        fn #probe_fn<T: ?::core::marker::Sized + #auth_user>() {}
        let _ = #probe_fn::<#user>;
    };
    let const_ident = format_ident!(
        "__LOGIN_REQUIRED_{}",
        func.sig.ident,
        span = Span::mixed_site()
    );

    let guard_ty = locate(guard_ty, &ir.user_site);
    let guard: syn::FnArg = syn::parse_quote!(_: #guard_ty);
    func.sig.inputs.insert(0, guard);
    if let Some(check) = &ir.check {
        with_check(&mut func, check, &paths);
    }

    quote! {
        #[allow(non_upper_case_globals, dead_code, non_local_definitions)]
        const #const_ident: () = {
            #probe
            #spec_impl
        };
        #func
    }
}

/// `check = …`: a second argument keeps what a refusal needs; the body runs only when the
/// check's future says `true`, else the handler answers the manager's 403. The return
/// type becomes `Result<R, Refused>` (both answer), and the body an `async move` block so
/// its own `return`s and `?`s keep their meaning.
fn with_check(func: &mut MaybeItemFn, check: &syn::Expr, paths: &Paths) {
    let refusal_ty = paths.refusal();
    let refused_ty = paths.refused();
    let refusal = format_ident!("__login_refusal", span = Span::mixed_site());
    let arg: syn::FnArg = syn::parse_quote!(#refusal: #refusal_ty);
    func.sig.inputs.insert(1, arg);
    let output = match &func.sig.output {
        syn::ReturnType::Default => quote!(()),
        syn::ReturnType::Type(_, ty) => ty.to_token_stream(),
    };
    func.sig.output = syn::parse_quote!(-> ::core::result::Result<#output, #refused_ty>);
    let body = &func.body;
    // A check that is no future is reported on the user's expression.
    let awaited = quote_spanned!(check.span()=> (#check).await);
    func.body = quote! {{
        if !#awaited {
            return ::core::result::Result::Err(#refusal.forbidden().await);
        }
        ::core::result::Result::Ok(async move #body.await)
    }};
}

/// Moves the guard type's tokens onto `site` (the user's own `CurrentUser<User>` argument
/// or attribute type), keeping their name resolution: rustc then reports the guard's
/// unmet bounds ("`User` has no `#[user_loader]`") on that user token, not on the
/// attribute. Every top-level token but the last is located at `site`'s first token, the
/// last at its last token, so the type's span is exactly `site`'s.
fn locate(ty: TokenStream, site: &impl ToTokens) -> TokenStream {
    let site: Vec<TokenTree> = site.to_token_stream().into_iter().collect();
    let (Some(first), Some(last)) = (site.first(), site.last()) else {
        return ty;
    };
    let mut tokens: Vec<TokenTree> = ty.into_iter().collect();
    let n = tokens.len();
    for (i, t) in tokens.iter_mut().enumerate() {
        let at = if i + 1 == n {
            last.span()
        } else {
            first.span()
        };
        t.set_span(t.span().located_at(at));
    }
    tokens.into_iter().collect()
}
