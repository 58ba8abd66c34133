//! A small site built from EdgeZero's batteries:
//!
//! - static pages and assets from `public/` at `/` ([`edgezero_core::assets!`]);
//! - `POST /login` (form fields `user`, `password`; the password is the secret
//!   `site_password`) starts a session ([`edgezero_core::session`]) and answers `303` to
//!   `/me`; `GET /me` is `{"user": ...}` when logged in, `401` otherwise; `POST /logout`
//!   ends the session and answers `303` to `/`;
//! - `GET /api/hello` answers JSON, with CORS for the origins of the config entry
//!   `cors.allowed_origins` (comma-separated), at most `rate.per_minute` requests per
//!   client address and minute (`429` past it), a 10 s deadline and an `ETag`;
//!   `GET /api/private` also needs `Authorization: Bearer <the secret api_token>`;
//! - a login form of at most 4 KiB;
//! - security headers and compression (brotli or gzip, for answers of 1 KiB and more) on
//!   everything.
//!
//! The session cookie is signed with the secret `session_key` (at least 32 bytes).

use edgezero_core::assets::Assets;
use edgezero_core::middleware::{BodyLimit, Compression, HandlerExt, RequestIds, SecurityHeaders};
use edgezero_core::session::Sessions;
use edgezero_core::Router;

edgezero_core::app!("../../edgezero.toml", routes = crate::routes);

pub mod api;
pub mod login;

/// The files of `public/`.
pub const PUBLIC: Assets = edgezero_core::assets!("../../public");

/// The secret that signs the session cookie.
pub const SESSION_KEY_SECRET: &str = "session_key";

/// Every route and middleware: the API with its CORS and rate limit, the login routes with
/// sessions, the files of `public/` for every other path; request ids, security headers and
/// compression around it all.
pub fn routes(router: Router) -> Router {
    let accounts = Router::new()
        .post("/login", login::login.layer(BodyLimit::new(4 * 1024)))
        .get("/me", login::me)
        .post("/logout", login::logout)
        .layer(Sessions::new(SESSION_KEY_SECRET));
    router
        .merge(accounts)
        .merge(api::routes())
        .fallback(PUBLIC)
        .layer(RequestIds::new())
        .layer(SecurityHeaders::new())
        .layer(Compression::new())
}
