//! # `app!`, `#[derive(AppConfig)]` and Spin's `#[http_service]`
//!
//! The first two are re-exported by `edgezero-core`; use them as `edgezero_core::app!` and
//! `edgezero_core::AppConfig`. The third is re-exported by `edgezero-adapter-spin` as
//! `edgezero_adapter_spin::http_service` (see that crate).
//!
//! ## `app!`
//!
//! `edgezero_core::app!("../../edgezero.toml")` reads the manifest at compile time, relative
//! to the calling crate's `Cargo.toml`, and generates `pub struct App` implementing
//! `edgezero_core::App` with:
//!
//! - the app name (`[app].name`),
//! - the store ids and defaults of `[stores.kv]`, `[stores.config]` and `[stores.secrets]`,
//! - a router with every `[[triggers.http]]` route, then the Rust routes added by an optional
//!   `routes = path::to::fn` argument (`fn(Router) -> Router`), then the `[app].middleware`.
//!
//! The crate is rebuilt whenever the manifest changes. A manifest error (including two routes
//! that conflict, such as `/items/{id}` and `/items/{item_id}`) is a compile error that names
//! the file, line and key; a handler path that does not exist is a compile error at the macro
//! call whose note names the edgezero.toml line ("this error originates in the macro
//! `handler_at_edgezero_toml_line_6_0`"). A Rust route that conflicts with another makes `App::router()` panic at startup with
//! a message naming both routes (see `Router::build`).
//!
//! ```ignore
//! edgezero_core::app!("../../edgezero.toml", routes = crate::extra_routes);
//!
//! fn extra_routes(router: edgezero_core::Router) -> edgezero_core::Router {
//!     router.get("/healthz", || async { "ok" })
//! }
//! ```
//!
//! ## `#[derive(AppConfig)]`
//!
//! Implements `edgezero_core::app_config::ConfigSchema` for a struct that also derives
//! `serde::Deserialize`, so handlers can take `AppConfig<Settings>`. Fields marked `#[secret]`
//! (`String` or `Option<String>`) hold a secret's *name* in the config store and receive its
//! *value*. The rules are read by `edgezero-config-schema`, the same code
//! `edgezero config validate --strict` runs on the project's sources; breaking one (a
//! `#[secret]` on a number, `#[secret(...)]`, `#[serde(flatten)]`, `#[serde(alias)]` on a
//! secret, a generic struct) is a compile error. The manual is the `edgezero_core::app_config`
//! module.

mod app_config;
mod assets;
mod spin_service;

use std::path::PathBuf;

use edgezero_manifest::{Manifest, StoreSection};
use proc_macro::TokenStream;
use proc_macro2::{Span, TokenStream as Tokens};
use quote::quote;
use syn::parse::{Parse, ParseStream};
use syn::{LitStr, Token};

struct AppArgs {
    path: LitStr,
    routes: Option<syn::Path>,
}

impl Parse for AppArgs {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let path: LitStr = input.parse()?;
        let mut routes = None;
        while input.peek(Token![,]) {
            input.parse::<Token![,]>()?;
            if input.is_empty() {
                break;
            }
            let name: syn::Ident = input.parse()?;
            input.parse::<Token![=]>()?;
            match name.to_string().as_str() {
                "routes" => routes = Some(input.parse()?),
                other => {
                    return Err(syn::Error::new(
                        name.span(),
                        format!(
                            "unknown app! argument `{other}`; expected `routes = path::to::fn`"
                        ),
                    ))
                }
            }
        }
        Ok(AppArgs { path, routes })
    }
}

/// Generates `pub struct App` from an `edgezero.toml`. See the crate docs.
#[proc_macro]
pub fn app(input: TokenStream) -> TokenStream {
    let args = syn::parse_macro_input!(input as AppArgs);
    match expand(&args) {
        Ok(tokens) => tokens.into(),
        Err(e) => e.to_compile_error().into(),
    }
}

/// `edgezero_core::assets!("public")`: the files under a directory (relative to the crate's
/// `Cargo.toml`), embedded at compile time. See `edgezero_core::assets`.
#[proc_macro]
pub fn assets(input: TokenStream) -> TokenStream {
    let lit = syn::parse_macro_input!(input as syn::LitStr);
    match assets::expand(&lit) {
        Ok(tokens) => tokens.into(),
        Err(e) => e.to_compile_error().into(),
    }
}

/// Implements `edgezero_core::app_config::ConfigSchema` for a struct of config entries,
/// whose `#[secret]` fields hold a secret's name in the config store and receive the
/// secret's value. See `edgezero_core::app_config` for the rules and the extractor.
#[proc_macro_derive(AppConfig, attributes(secret))]
pub fn derive_app_config(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    match app_config::expand(&input) {
        Ok(tokens) => tokens.into(),
        Err(e) => e.to_compile_error().into(),
    }
}

/// `edgezero_adapter_spin::http_service`: exports an `async fn(spin_sdk::http::Request) ->
/// impl IntoResponse` as a Spin component's `wasi:http` handler, like spin-sdk's
/// `#[http_service]`, with the request built by the adapter. See `edgezero-adapter-spin`.
#[proc_macro_attribute]
pub fn spin_http_service(attr: TokenStream, item: TokenStream) -> TokenStream {
    if !attr.is_empty() {
        return syn::Error::new(Span::call_site(), "`#[http_service]` takes no arguments")
            .to_compile_error()
            .into();
    }
    let func = syn::parse_macro_input!(item as syn::ItemFn);
    match spin_service::expand(&func) {
        Ok(tokens) => tokens.into(),
        Err(e) => e.to_compile_error().into(),
    }
}

fn expand(args: &AppArgs) -> syn::Result<Tokens> {
    let written = args.path.value();
    let base = std::env::var("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_default();
    let full = base.join(&written);
    let text = std::fs::read_to_string(&full).map_err(|e| {
        syn::Error::new(
            args.path.span(),
            format!(
                "cannot read manifest `{written}` (resolved to {}): {e}; the path is relative to the crate's Cargo.toml",
                full.display()
            ),
        )
    })?;
    let manifest = Manifest::parse(&written, &text)
        .map_err(|e| syn::Error::new(args.path.span(), format!("invalid manifest: {e}")))?;

    let name = &manifest.app.name;
    let kv = store_ids(&manifest.stores.kv);
    let config = store_ids(&manifest.stores.config);
    let secrets = store_ids(&manifest.stores.secrets);

    let mut routes = Vec::new();
    let mut searched_from = 0;
    for (i, t) in manifest.http_triggers.iter().enumerate() {
        // The line of `handler = "..."` in edgezero.toml, put into the name of a one-use
        // macro around the handler path: when the path does not resolve, rustc's note
        // "this error originates in the macro `handler_at_edgezero_toml_line_N`" names it.
        let line = text[searched_from..]
            .find(&format!("\"{}\"", t.handler))
            .map(|at| {
                searched_from += at + 1;
                text[..searched_from].matches('\n').count() + 1
            })
            .unwrap_or(0);
        let wrapper = syn::Ident::new(
            &format!("handler_at_edgezero_toml_line_{line}_{i}"),
            Span::call_site(),
        );
        let handler: syn::Path = syn::parse_str(&t.handler).map_err(|e| {
            syn::Error::new(
                args.path.span(),
                format!("handler `{}` is not a Rust path: {e}", t.handler),
            )
        })?;
        let handler = respan(handler, args.path.span());
        routes.push(quote! {
            #[allow(unused_macros)]
            macro_rules! #wrapper { () => { #handler }; }
        });
        for m in &t.methods {
            let path = &t.path;
            if m == "*" {
                routes.push(quote! {
                    let router = router.any(#path, #wrapper!());
                });
                continue;
            }
            let method = syn::Ident::new(m, Span::call_site());
            routes.push(quote! {
                let router = router.route(#path, ::edgezero_core::http::Method::#method, #wrapper!());
            });
        }
    }
    let extra = args
        .routes
        .as_ref()
        .map(|f| quote! { let router = (#f)(router); });
    let mut layers = Vec::new();
    for m in &manifest.app.middleware {
        let path: syn::Path = syn::parse_str(m).map_err(|e| {
            syn::Error::new(
                args.path.span(),
                format!("middleware `{m}` is not a Rust path: {e}"),
            )
        })?;
        let path = respan(path, args.path.span());
        layers.push(quote! { let router = router.layer(#path); });
    }
    let tracked = full.canonicalize().unwrap_or(full).display().to_string();

    Ok(quote! {
        /// The application generated by `app!` from its `edgezero.toml`.
        #[derive(Debug, Clone, Copy, Default)]
        pub struct App;

        impl ::edgezero_core::App for App {
            fn name() -> &'static str {
                #name
            }

            fn stores() -> &'static ::edgezero_core::StoreMetadata {
                static STORES: ::edgezero_core::StoreMetadata = ::edgezero_core::StoreMetadata {
                    kv: #kv,
                    config: #config,
                    secrets: #secrets,
                };
                &STORES
            }

            fn router() -> ::edgezero_core::Router {
                let router = ::edgezero_core::Router::new();
                #(#routes)*
                #extra
                #(#layers)*
                // Manifest routes were checked at compile time; this reports conflicts that
                // Rust routes (`routes = ...`) introduce, naming both routes.
                router.build()
            }
        }

        // Makes the compiler rebuild this crate when the manifest changes.
        const _: &[u8] = include_bytes!(#tracked);
    })
}

fn store_ids(section: &StoreSection) -> Tokens {
    let ids = &section.ids;
    let default = match &section.default {
        Some(d) => quote! { ::core::option::Option::Some(#d) },
        None => quote! { ::core::option::Option::None },
    };
    quote! {
        ::edgezero_core::__private::StoreIds { ids: &[#(#ids),*], default: #default }
    }
}

fn respan(path: syn::Path, span: Span) -> Tokens {
    let tokens = quote! { #path };
    tokens
        .into_iter()
        .map(|mut tt| {
            tt.set_span(span);
            tt
        })
        .collect()
}
