//! `#[derive(AppConfig)]`: implements `edgezero_core::app_config::ConfigSchema`.
//!
//! The rules (which fields are secrets, under which key) come from `edgezero-config-schema`,
//! which `edgezero config validate` also uses. A non-secret field may be a nested table whose
//! type derives `AppConfig` too; which one it is is decided by the type checker through
//! `edgezero_core::__private::Probe` (a type that implements `ConfigSchema` contributes its
//! secrets under the field's key, any other type contributes none).

use edgezero_config_schema::FieldKind;
use proc_macro2::TokenStream;
use quote::quote;
use syn::DeriveInput;

pub fn expand(input: &DeriveInput) -> syn::Result<TokenStream> {
    let schema = edgezero_config_schema::parse(input)?;
    let name = &input.ident;
    let mut steps = Vec::new();
    let mut own = Vec::new();
    for field in &schema.fields {
        let key = &field.key;
        match &field.kind {
            FieldKind::Secret { optional } => {
                own.push(key.clone());
                steps.push(quote! {
                    out.push(::edgezero_core::app_config::SecretField {
                        key: ::edgezero_core::app_config::join_key(prefix, #key),
                        optional: #optional,
                    });
                });
            }
            FieldKind::Value { inner, .. } => steps.push(quote! {
                (&::edgezero_core::__private::Probe::<#inner>::new())
                    .collect_nested(prefix, #key, out);
            }),
        }
    }
    Ok(quote! {
        impl ::edgezero_core::app_config::ConfigSchema for #name {
            const OWN_SECRETS: &'static [&'static str] = &[#(#own),*];

            fn collect_secret_fields(
                prefix: &str,
                out: &mut ::std::vec::Vec<::edgezero_core::app_config::SecretField>,
            ) {
                #[allow(unused_imports)]
                use ::edgezero_core::__private::{ViaLeaf as _, ViaSchema as _};
                #(#steps)*
            }
        }
    })
}
