//! The attribute's grammar: nothing, or `crate = "path"`.

use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{Lit, Token};

pub(crate) struct CrateArg {
    pub(crate) keyword: Token![crate],
    pub(crate) value: Lit,
}

pub(crate) struct Args(pub(crate) Punctuated<CrateArg, Token![,]>);

impl Parse for Args {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        Ok(Args(Punctuated::parse_terminated(input)?))
    }
}

impl Parse for CrateArg {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let la = input.lookahead1();
        if la.peek(Token![crate]) {
            let keyword = input.parse()?;
            input.parse::<Token![=]>()?;
            Ok(CrateArg {
                keyword,
                value: input.parse()?,
            })
        } else if input.peek(syn::Ident) {
            let unknown: syn::Ident = input.parse()?;
            Err(syn::Error::new_spanned(
                &unknown,
                format!(
                    "unknown option `{unknown}`: `#[user_loader]` takes only \
                     `crate = \"path\"`"
                ),
            ))
        } else {
            Err(la.error())
        }
    }
}
