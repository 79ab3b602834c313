//! The expansion: the function unchanged, plus `impl HasUserLoader for User` and
//! `impl<S> UserLoader<S> for User` that runs each extra argument's extractor and calls
//! the function.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;

use super::validate::Ir;
use crate::item::MaybeItemFn;
use crate::paths::Paths;

pub(crate) fn expand(ir: Ir, func: MaybeItemFn) -> TokenStream {
    let p = Paths::new(ir.krate.clone());
    let (has, loader, auth_user, frp, parts, load_error, into) = (
        p.has_user_loader(),
        p.user_loader(),
        p.auth_user(),
        p.extractor_trait(),
        p.parts(),
        p.load_error(),
        p.load_result_trait(),
    );
    let user = &ir.user;
    let id_ty = &ir.id_ty;
    let name = &func.sig.ident;
    let state = format_ident!("__LoginS", span = Span::mixed_site());
    let id = format_ident!("__login_id", span = Span::mixed_site());
    let req = format_ident!("__login_parts", span = Span::mixed_site());
    let st = format_ident!("__login_state", span = Span::mixed_site());
    let vars: Vec<_> = (0..ir.extractors.len())
        .map(|i| format_ident!("__login_arg{}", i, span = Span::mixed_site()))
        .collect();
    let tys = &ir.extractors;
    // A wrong id type is reported on the user's id type: the checked expression is
    // located there too (same hygiene), or rustc would point at the attribute.
    let id_expr = format_ident!(
        "__login_id",
        span = Span::mixed_site().located_at(id_ty.span())
    );
    let id_binding = quote_spanned! {id_ty.span()=>
        let #id: #id_ty = #id_expr;
    };
    // "`User` is not a user type" is reported on the user's return type.
    let has_impl = quote_spanned! {user.span()=>
        impl #has for #user {}
    };

    quote! {
        #func

        #[allow(non_local_definitions)]
        const _: () = {
            #has_impl

            impl<#state> #loader<#state> for #user
            where
                #state: ::core::marker::Send + ::core::marker::Sync,
                #(#tys: #frp<#state>,)*
            {
                fn load_user(
                    #id: <#user as #auth_user>::Id,
                    #req: &mut #parts,
                    #st: &#state,
                ) -> impl ::core::future::Future<
                    Output = ::core::result::Result<::core::option::Option<#user>, #load_error>,
                > + ::core::marker::Send {
                    async move {
                        #(
                            let #vars = match <#tys as #frp<#state>>::from_request_parts(#req, #st).await {
                                ::core::result::Result::Ok(v) => v,
                                ::core::result::Result::Err(e) => {
                                    return ::core::result::Result::Err(#load_error::from_rejection(e));
                                }
                            };
                        )*
                        #id_binding
                        <_ as #into<#user>>::into_load_result(#name(#id #(, #vars)*).await)
                    }
                }
            }
        };
    }
}
