//! `#[user_loader]`: validate the loader's signature, keep the function, and implement the
//! runtime's `HasUserLoader` and `UserLoader<S>` for the user type it returns.

mod expand;
mod parse;
mod validate;

use proc_macro2::TokenStream;

use crate::item::{MaybeItemFn, debug, with_errors};

pub(crate) fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    let out = match run(args, item.clone()) {
        Ok(out) => out,
        Err(e) => with_errors(item, &e),
    };
    debug("user_loader", &out);
    out
}

fn run(args: TokenStream, item: TokenStream) -> syn::Result<TokenStream> {
    let args: parse::Args = syn::parse2(args)?;
    let func: MaybeItemFn = syn::parse2(item)?;
    let ir = validate::validate(args, &func)?;
    Ok(expand::expand(ir, func))
}
