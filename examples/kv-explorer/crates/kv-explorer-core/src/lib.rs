//! A web page and a JSON API to browse and edit an app's key-value stores, behind basic auth.
//!
//! Everything lives under [`BASE_PATH`] (`/internal/kv-explorer`); [`explorer`] is the
//! explorer as a router to merge into any app, under any other path. The routes, relative to the base:
//!
//! | route | what |
//! |---|---|
//! | `GET /` | the page (`index.html`); `GET` without the slash redirects to it |
//! | `GET /app.js`, `GET /app.css` | its script and style sheet |
//! | `GET /api/stores` | `{"stores": [ids], "default": id}`: the app's declared KV ids |
//! | `GET /api/keys?store&prefix&cursor&limit` | one page of keys: `{"keys": [...], "cursor": ...}` |
//! | `GET /api/key/{*key}?store` | the value: text, or hex for binary, with its size |
//! | `PUT /api/key/{*key}?store` | stores the request body |
//! | `DELETE /api/key/{*key}?store` | removes the key |
//!
//! ## Access
//!
//! The credentials are `user:password` under [`CREDENTIALS_KEY`] in the KV store
//! [`CREDENTIALS_STORE`]. While that key is missing or malformed, every request gets `403`
//! and a text saying how to set it: the explorer is never open by default. The page, its
//! script and its style sheet hold no data and load without credentials, so that the page
//! can show its own login form; every API call needs `Authorization: Basic ...` (else `401`
//! with `WWW-Authenticate: Basic realm="kv-explorer"`). `PUT`, `DELETE` and any other
//! state-changing request also need the header [`CSRF_HEADER`]`: 1` and, when the browser
//! sends `Origin` or `Sec-Fetch-Site`, a same-origin request (else `403`). The credentials
//! key is never listed, shown, written or deleted through the explorer. See [`guard`].
//!
//! Every response under the base carries a restrictive `Content-Security-Policy`,
//! `X-Content-Type-Options: nosniff`, `Referrer-Policy: no-referrer` and
//! `Cache-Control: no-store`.

edgezero_core::app!("../../edgezero.toml", routes = crate::routes);

pub mod api;
mod assets;
pub mod guard;

use edgezero_core::http::Uri;
use edgezero_core::middleware::HandlerExt;
use edgezero_core::{EdgeError, Router};

/// Where [`routes`] mounts the explorer. Spin's `route` in spin.toml must match it
/// (`/internal/kv-explorer/...`); use [`mount`] to serve it elsewhere.
pub const BASE_PATH: &str = "/internal/kv-explorer";

/// The key that holds `user:password`.
pub const CREDENTIALS_KEY: &str = "kv-credentials";

/// The logical KV id whose [`CREDENTIALS_KEY`] holds the credentials.
pub const CREDENTIALS_STORE: &str = "default";

/// The header every state-changing request must carry with the value `1`.
pub const CSRF_HEADER: &str = "x-kv-explorer";

/// The routes `app!` adds: the explorer under [`BASE_PATH`].
pub fn routes(router: Router) -> Router {
    mount(router, BASE_PATH)
}

/// Adds the explorer under `base` to `router`: `router.merge(explorer(base))`.
pub fn mount(router: Router, base: &'static str) -> Router {
    router.merge(explorer(base))
}

/// The explorer as a router of its own, under `base` (`""` for the root, otherwise a path
/// starting with `/`; a trailing `/` is ignored): its routes, behind [`guard`], nested under
/// `base`, and the redirect of `base` itself to `base/`. The app must declare the KV id
/// [`CREDENTIALS_STORE`]. Merged into an app, the guard runs for the explorer's own paths
/// only (any path under `base/`, routed or not), never for the app's other routes.
pub fn explorer(base: &'static str) -> Router {
    let base = base.trim_end_matches('/');
    let pages = Router::new()
        .get("/", assets::page)
        .get("/app.js", assets::script)
        .get("/app.css", assets::style)
        .get("/api/stores", api::stores)
        .get("/api/keys", api::keys)
        .get("/api/key/{*key}", api::get)
        .put("/api/key/{*key}", api::put)
        .delete("/api/key/{*key}", api::delete)
        .fallback(not_found)
        .layer(guard::layer(base));
    if base.is_empty() {
        return pages;
    }
    Router::new()
        .get(base, assets::to_page.layer(guard::layer(base)))
        .nest(base, pages)
}

/// Any other path under the base: the JSON `404`, behind the guard like every explorer path.
async fn not_found(uri: Uri) -> EdgeError {
    EdgeError::not_found(format!("no route for {}", uri.path()))
}
