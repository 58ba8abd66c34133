//! The middleware in front of every explorer route: credentials, basic auth, the
//! cross-site-request checks, and the security headers.
//!
//! In order, for a request under the base:
//!
//! 1. `kv-credentials` missing or malformed → `403` saying how to set it (the page gets an
//!    HTML page, anything else the usual JSON error body);
//! 2. `GET`/`HEAD` of the page, `app.js` or `app.css` → served (they hold no data);
//! 3. no, malformed or wrong `Authorization: Basic` → `401` with
//!    `WWW-Authenticate: Basic realm="kv-explorer"`;
//! 4. a method other than `GET`/`HEAD` without `x-kv-explorer: 1`, or whose `Origin` is not
//!    this host, or whose `Sec-Fetch-Site` is not `same-origin` → `403`.
//!
//! Step 3 is core's [`BasicAuth`] over the stored value, which compares in constant time:
//! the work done depends only on the length of what the client sent, never on where it
//! first differs from the stored value.

use edgezero_core::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use edgezero_core::middleware::{self, BasicAuth, Credentials};
use edgezero_core::store::kv::KvError;
use edgezero_core::{EdgeError, Middleware, Next, RequestContext, Response, Stores};

use crate::{assets, CREDENTIALS_KEY, CREDENTIALS_STORE, CSRF_HEADER};

/// The policy of every response under the base: the page's own script and style sheet,
/// fetches to its own origin, nothing inline, no framing.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self'; connect-src 'self'; img-src 'self' data:; frame-ancestors 'none'; \
     base-uri 'none'; form-action 'self'";

/// The challenge of a `401`.
pub const WWW_AUTHENTICATE: &str = "Basic realm=\"kv-explorer\"";

/// How to set the credentials, as the `403` JSON message says it. The credentials come from
/// a file (or standard input), never from the command line, where `ps` would show them.
pub const SETUP_HINT: &str = "the kv-explorer has no credentials: store `user:password` \
     under `kv-credentials` in the `default` key-value store, e.g. write `user:password` \
     to a file credentials.txt and run \
     `edgezero serve --adapter spin --key-value kv-credentials=@credentials.txt` \
     (or `edgezero deploy --adapter spin --key-value kv-credentials=@credentials.txt`), or \
     natively type it into `cargo run -p kv-explorer-adapter-native -- set-credentials`";

/// The guard for the explorer mounted at `base` (see [`crate::mount`]).
pub fn layer(base: &'static str) -> impl Middleware {
    let auth = BasicAuth::new(
        "kv-explorer",
        Credentials::kv(CREDENTIALS_STORE, CREDENTIALS_KEY),
    )
    .on_unconfigured(|_ctx, why| not_configured(why.into()).into_response());
    move |ctx: RequestContext, next: Next| guard(base, auth.clone(), ctx, next)
}

async fn guard(base: &'static str, auth: BasicAuth, ctx: RequestContext, next: Next) -> Response {
    let Some(rest) = under(base, ctx.path()) else {
        return next.run(ctx).await;
    };
    let mut resp = match refusal(rest, &auth, &ctx).await {
        None => next.run(ctx).await,
        Some(resp) => resp,
    };
    security_headers(resp.headers_mut());
    resp
}

/// The part of `path` after `base`, when `path` is the base or below it.
fn under<'p>(base: &str, path: &'p str) -> Option<&'p str> {
    let rest = path.strip_prefix(base)?;
    (rest.is_empty() || rest.starts_with('/')).then_some(rest)
}

/// The answer that refuses the request, if it is refused.
async fn refusal(rest: &str, auth: &BasicAuth, ctx: &RequestContext) -> Option<Response> {
    let is_page = rest.is_empty() || rest == "/";
    let safe = matches!(*ctx.method(), Method::GET | Method::HEAD);
    if safe && (is_page || rest == "/app.js" || rest == "/app.css") {
        // They hold no data, but without usable credentials the page says how to set them.
        return match load_credentials(ctx.stores()).await {
            Ok(Ok(())) => None,
            Ok(Err(reason)) if is_page => {
                log::warn!("kv-explorer refused a request: {reason}");
                Some(assets::setup_page())
            }
            Ok(Err(reason)) => Some(not_configured(reason).into_response()),
            Err(e) => Some(EdgeError::from(e).into_response()),
        };
    }
    if let Err(refusal) = auth.authenticate(ctx).await {
        return Some(refusal);
    }
    if safe {
        return None;
    }
    same_origin_write(ctx)
        .err()
        .map(|why| forbidden(why).into_response())
}

/// Why the explorer is closed: the stored credentials are missing or cannot be used. The
/// message says what `kv-credentials` must hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CredentialsError {
    /// Nothing is stored under `kv-credentials`.
    #[error("`{CREDENTIALS_KEY}` is not set in the `{CREDENTIALS_STORE}` store")]
    Missing,
    /// The value has no `:` between user and password.
    #[error("`{CREDENTIALS_KEY}` has no `:`; {CREDENTIALS_RULE}")]
    NoColon,
    /// The user or the password is empty.
    #[error("`{CREDENTIALS_KEY}` has an empty user or password; {CREDENTIALS_RULE}")]
    EmptyPart,
    /// The value holds a control character.
    #[error(
        "`{CREDENTIALS_KEY}` contains a control character (a trailing newline?); {CREDENTIALS_RULE}"
    )]
    ControlCharacter,
}

const CREDENTIALS_RULE: &str =
    "it must be `user:password` with a non-empty user (without `:`) and password";

impl From<middleware::CredentialsError> for CredentialsError {
    fn from(e: middleware::CredentialsError) -> Self {
        match e {
            middleware::CredentialsError::NoColon => CredentialsError::NoColon,
            middleware::CredentialsError::EmptyPart => CredentialsError::EmptyPart,
            middleware::CredentialsError::ControlCharacter => CredentialsError::ControlCharacter,
            middleware::CredentialsError::Missing | middleware::CredentialsError::Empty => {
                CredentialsError::Missing
            }
        }
    }
}

/// Whether usable credentials are stored, or why the explorer is closed.
async fn load_credentials(stores: &Stores) -> Result<Result<(), CredentialsError>, KvError> {
    let kv = stores.kv(CREDENTIALS_STORE).await?;
    Ok(match kv.get_bytes(CREDENTIALS_KEY).await? {
        None => Err(CredentialsError::Missing),
        Some(raw) => check_credentials(&raw),
    })
}

/// Checks a stored credentials value: `user:password`, both non-empty, no control characters.
pub fn check_credentials(raw: &[u8]) -> Result<(), CredentialsError> {
    middleware::CredentialsError::check_basic(raw).map_err(CredentialsError::from)
}

/// A state-changing request must say it comes from the page, from the page's own origin;
/// the error says why it does not.
fn same_origin_write(ctx: &RequestContext) -> Result<(), String> {
    let headers = ctx.headers();
    if headers.get(CSRF_HEADER).map(HeaderValue::as_bytes) != Some(b"1") {
        return Err(format!(
            "{} requests need the header `{CSRF_HEADER}: 1` (the page sends it)",
            ctx.method()
        ));
    }
    if let Some(site) = headers.get("sec-fetch-site") {
        if site.as_bytes() != b"same-origin" {
            return Err(format!(
                "cross-site request refused (Sec-Fetch-Site: {})",
                String::from_utf8_lossy(site.as_bytes())
            ));
        }
    }
    if let Some(origin) = headers.get(header::ORIGIN) {
        let host = headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .or_else(|| ctx.uri().authority().map(|a| a.as_str()));
        let origin_host = origin.to_str().ok().and_then(|o| {
            o.strip_prefix("https://")
                .or_else(|| o.strip_prefix("http://"))
        });
        let same = matches!((origin_host, host), (Some(o), Some(h)) if o.eq_ignore_ascii_case(h));
        if !same {
            return Err(format!(
                "cross-origin request refused (Origin: {})",
                String::from_utf8_lossy(origin.as_bytes())
            ));
        }
    }
    Ok(())
}

fn not_configured(reason: CredentialsError) -> EdgeError {
    EdgeError::new(
        StatusCode::FORBIDDEN,
        "not_configured",
        format!("{reason}; {SETUP_HINT}"),
    )
}

fn forbidden(message: String) -> EdgeError {
    EdgeError::new(StatusCode::FORBIDDEN, "forbidden", message)
}

fn security_headers(headers: &mut HeaderMap) {
    let set = [
        (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::CACHE_CONTROL, "no-store"),
        (header::X_FRAME_OPTIONS, "DENY"),
    ];
    for (name, value) in set {
        headers.insert(name, HeaderValue::from_static(value));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn under_matches_the_base_and_below_only() {
        assert_eq!(under("/x", "/x"), Some(""));
        assert_eq!(under("/x", "/x/"), Some("/"));
        assert_eq!(under("/x", "/x/api/keys"), Some("/api/keys"));
        assert_eq!(under("/x", "/xy"), None);
        assert_eq!(under("/x", "/"), None);
        assert_eq!(under("", "/anything"), Some("/anything"));
    }

    #[test]
    fn stored_credentials_need_a_user_and_a_password() {
        assert!(check_credentials(b"a:b").is_ok());
        assert!(
            check_credentials(b"a:b:c").is_ok(),
            "the password may hold `:`"
        );
        for (bad, why) in [
            (&b"ab"[..], CredentialsError::NoColon),
            (b":b", CredentialsError::EmptyPart),
            (b"a:", CredentialsError::EmptyPart),
            (b":", CredentialsError::EmptyPart),
            (b"a:b\n", CredentialsError::ControlCharacter),
        ] {
            assert_eq!(check_credentials(bad), Err(why), "{bad:?}");
        }
        assert_eq!(
            CredentialsError::ControlCharacter.to_string(),
            "`kv-credentials` contains a control character (a trailing newline?); it must be \
             `user:password` with a non-empty user (without `:`) and password"
        );
    }
}
