//! `#[edgezero_adapter_spin::http_service]`: spin-sdk's `#[http_service]` with the request
//! built by the adapter.

use proc_macro2::TokenStream as Tokens;
use quote::quote;

/// The function as written, plus a `wasi:http` handler export that builds its
/// `spin_sdk::http::Request` with `edgezero_adapter_spin::__private::sdk_request` (the
/// conversion `component!` uses) and answers with its result through spin-sdk's
/// `IntoResponse`.
pub fn expand(func: &syn::ItemFn) -> syn::Result<Tokens> {
    if func.sig.asyncness.is_none() {
        return Err(syn::Error::new_spanned(
            func.sig.fn_token,
            "the `#[http_service]` function must be `async`",
        ));
    }
    let name = &func.sig.ident;
    let private = quote!(::edgezero_adapter_spin::__private);
    let types = quote!(#private::spin_sdk::wasip3::http::types);
    Ok(quote! {
        #func

        const _: () = {
            struct __EdgeZeroHttpService;

            #private::spin_sdk::wasip3::http::service::export!(__EdgeZeroHttpService);

            impl #private::spin_sdk::wasip3::exports::http::handler::Guest
                for __EdgeZeroHttpService
            {
                async fn handle(
                    request: #types::Request,
                ) -> ::core::result::Result<#types::Response, #types::ErrorCode> {
                    let request = #private::sdk_request(request)?;
                    #private::spin_sdk::http::IntoResponse::into_response(#name(request).await)
                }
            }
        };
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exports_the_function_with_the_adapters_request() {
        let func: syn::ItemFn = syn::parse_quote! {
            async fn handle(req: Request) -> anyhow::Result<impl IntoResponse> {
                edgezero_adapter_spin::run_app::<App>(req).await
            }
        };
        let out = expand(&func).unwrap().to_string();
        assert!(
            out.starts_with("async fn handle"),
            "the function stays: {out}"
        );
        for part in [
            "export ! (__EdgeZeroHttpService)",
            ":: edgezero_adapter_spin :: __private :: sdk_request (request) ?",
            "IntoResponse :: into_response (handle (request) . await)",
        ] {
            assert!(out.contains(part), "{part} missing from {out}");
        }
    }

    #[test]
    fn a_function_that_is_not_async_is_refused() {
        let func: syn::ItemFn = syn::parse_quote! {
            fn handle(req: Request) -> Response { Response::default() }
        };
        let err = expand(&func).unwrap_err();
        assert_eq!(
            err.to_string(),
            "the `#[http_service]` function must be `async`"
        );
    }
}
