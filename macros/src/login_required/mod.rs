//! `#[login_required]`: parse the arguments, validate them against the function, expand
//! to the same function with a guard as its first argument.

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
    debug("login_required", &out);
    out
}

fn run(args: TokenStream, item: TokenStream) -> syn::Result<TokenStream> {
    let args_text = args.to_string();
    let args: parse::Args = syn::parse2(args)?;
    let func: MaybeItemFn = syn::parse2(item)?;
    let ir = validate::validate(args, &func, args_text)?;
    Ok(expand::expand(ir, func))
}
