//! The attribute's grammar:
//! `[UserType] (, fresh | role = "…" | permission = "…" | redirect = "/path" | check = expr
//! | crate = "path")*`

use quote::ToTokens;
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{Lit, Token, Type};

pub(crate) mod kw {
    syn::custom_keyword!(fresh);
    syn::custom_keyword!(role);
    syn::custom_keyword!(permission);
    syn::custom_keyword!(redirect);
    syn::custom_keyword!(check);
}

pub(crate) enum Arg {
    User(Box<Type>),
    Fresh(kw::fresh),
    Role(Lit),
    Permission(Lit),
    Redirect(kw::redirect, Lit),
    Check(kw::check, Box<syn::Expr>),
    Crate(Token![crate], Lit),
}

pub(crate) struct Args(pub(crate) Punctuated<Arg, Token![,]>);

impl Parse for Args {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        Ok(Args(Punctuated::parse_terminated(input)?))
    }
}

/// `= <literal>` after `keyword`. A missing `=` or value is reported on the keyword (syn
/// would report the end of the input, i.e. the whole attribute).
fn value<K: ToTokens>(input: ParseStream<'_>, keyword: K, example: &str) -> syn::Result<(K, Lit)> {
    if input.parse::<Option<Token![=]>>()?.is_none() || input.is_empty() || input.peek(Token![,]) {
        let name = keyword.to_token_stream();
        return Err(syn::Error::new_spanned(
            &keyword,
            format!("`{name}` expects a value: `{name} = {example}`"),
        ));
    }
    Ok((keyword, input.parse()?))
}

const EXPECTED: &str = "expected the user type, `fresh`, `role = \"…\"`, `permission = \"…\"`, \
                        `redirect = \"/path\"`, `check = can_edit(&user)` or `crate = \"path\"`";

impl Parse for Arg {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let la = input.lookahead1();
        if la.peek(kw::fresh) {
            let k: kw::fresh = input.parse()?;
            if input.peek(Token![=]) {
                return Err(syn::Error::new_spanned(
                    k,
                    "`fresh` takes no value: write `#[login_required(fresh)]`",
                ));
            }
            Ok(Arg::Fresh(k))
        } else if la.peek(kw::role) {
            let k = input.parse()?;
            value(input, k, "\"admin\"").map(|(_, v): (kw::role, _)| Arg::Role(v))
        } else if la.peek(kw::permission) {
            let k = input.parse()?;
            value(input, k, "\"posts:write\"").map(|(_, v): (kw::permission, _)| Arg::Permission(v))
        } else if la.peek(kw::redirect) {
            let k = input.parse()?;
            value(input, k, "\"/login\"").map(|(k, v)| Arg::Redirect(k, v))
        } else if la.peek(kw::check) {
            let k: kw::check = input.parse()?;
            if input.parse::<Option<Token![=]>>()?.is_none()
                || input.is_empty()
                || input.peek(Token![,])
            {
                return Err(syn::Error::new_spanned(
                    k,
                    "`check` expects an async call over the handler's arguments: \
                     `check = can_edit(&user, id)`",
                ));
            }
            Ok(Arg::Check(k, Box::new(input.parse()?)))
        } else if la.peek(Token![crate]) {
            let k = input.parse()?;
            value(input, k, "\"::axum_sesame\"").map(|(k, v)| Arg::Crate(k, v))
        } else if input.peek(syn::Ident) || input.peek(Token![::]) {
            let ty: Type = input.parse()?;
            // A lone lower-case identifier, or any identifier followed by `=`, is a
            // misspelt option, not a user type.
            let with_value = input.peek(Token![=]);
            let unknown = match &ty {
                Type::Path(p) if p.qself.is_none() => p.path.get_ident().filter(|i| {
                    with_value || i.to_string().starts_with(|c: char| c.is_ascii_lowercase())
                }),
                _ => None,
            };
            if let Some(ident) = unknown {
                return Err(syn::Error::new_spanned(
                    ident,
                    format!("unknown option `{ident}`: {EXPECTED}"),
                ));
            }
            Ok(Arg::User(Box::new(ty)))
        } else {
            Err(la.error())
        }
    }
}
