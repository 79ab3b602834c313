//! Every runtime path the expansions name, in one place: `<crate>::__private::…`.

use proc_macro2::TokenStream;
use quote::quote;
use syn::Path;

pub(crate) struct Paths {
    krate: Path,
}

impl Paths {
    pub(crate) fn new(krate: Path) -> Self {
        Paths { krate }
    }

    fn private(&self, item: TokenStream) -> TokenStream {
        let krate = &self.krate;
        quote!(#krate::__private::#item)
    }

    pub(crate) fn auth_user(&self) -> TokenStream {
        self.private(quote!(AuthUser))
    }
    pub(crate) fn has_user_loader(&self) -> TokenStream {
        self.private(quote!(HasUserLoader))
    }
    pub(crate) fn user_loader(&self) -> TokenStream {
        self.private(quote!(UserLoader))
    }
    pub(crate) fn load_error(&self) -> TokenStream {
        self.private(quote!(LoadError))
    }
    pub(crate) fn load_result_trait(&self) -> TokenStream {
        self.private(quote!(IntoLoadResult))
    }
    pub(crate) fn extractor_trait(&self) -> TokenStream {
        self.private(quote!(FromRequestParts))
    }
    pub(crate) fn parts(&self) -> TokenStream {
        self.private(quote!(Parts))
    }
    pub(crate) fn require_login(&self) -> TokenStream {
        self.private(quote!(RequireLogin))
    }
    pub(crate) fn guard_spec(&self) -> TokenStream {
        self.private(quote!(GuardSpec))
    }
    pub(crate) fn fresh(&self) -> TokenStream {
        self.private(quote!(Fresh))
    }
    pub(crate) fn tag(&self) -> TokenStream {
        self.private(quote!(Tag))
    }
    pub(crate) fn refusal(&self) -> TokenStream {
        self.private(quote!(Refusal))
    }
    pub(crate) fn refused(&self) -> TokenStream {
        self.private(quote!(Refused))
    }
}
