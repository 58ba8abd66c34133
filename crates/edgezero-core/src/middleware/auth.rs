//! Basic and bearer authentication against credentials kept in a secret or a KV entry.

use std::sync::Arc;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use bytes::Bytes;
use futures_util::future::LocalBoxFuture;
use http::header::{self, HeaderMap, HeaderValue};
use http::StatusCode;
use subtle::{Choice, ConstantTimeEq};

use super::{Middleware, Next};
use crate::context::RequestContext;
use crate::error::EdgeError;
use crate::response::{IntoResponse, Response};
use crate::store::Stores;

/// Where the expected credentials are kept. They are read for every request, so a change
/// takes effect at once, without a restart or a new deploy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credentials {
    /// A secret of the default secret store (set with the platform's secret tooling).
    Secret(String),
    /// An entry of a key-value store: `store` is the store's id in `edgezero.toml`.
    Kv {
        /// The KV store id.
        store: String,
        /// The key.
        key: String,
    },
}

impl Credentials {
    /// The secret `name` of the default secret store.
    pub fn secret(name: impl Into<String>) -> Self {
        Credentials::Secret(name.into())
    }

    /// The entry `key` of the KV store `store`.
    pub fn kv(store: impl Into<String>, key: impl Into<String>) -> Self {
        Credentials::Kv {
            store: store.into(),
            key: key.into(),
        }
    }

    /// Reads the stored value: `Ok(None)` when it is not set; `Err` with the store's own
    /// error response when the store fails.
    async fn load(&self, stores: &Stores) -> Result<Option<Bytes>, EdgeError> {
        match self {
            Credentials::Secret(name) => {
                Ok(stores.default_secrets().await?.get_bytes(name).await?)
            }
            Credentials::Kv { store, key } => Ok(stores.kv(store).await?.get_bytes(key).await?),
        }
    }

    /// How to set the value, for the log line of a server without credentials.
    async fn how_to_set(&self, stores: &Stores) -> String {
        match self {
            Credentials::Secret(name) => {
                let hint = match stores.default_secrets().await {
                    Ok(secrets) => secrets.how_to_set(name),
                    Err(_) => None,
                };
                hint.unwrap_or_else(|| format!("set the secret `{name}`"))
            }
            Credentials::Kv { store, key } => {
                format!("store the value under `{key}` in the `{store}` key-value store")
            }
        }
    }
}

impl std::fmt::Display for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Credentials::Secret(name) => write!(f, "the secret `{name}`"),
            Credentials::Kv { store, key } => write!(f, "`{key}` in the `{store}` store"),
        }
    }
}

/// Why stored credentials cannot be used: the server is not configured, which is the
/// operator's to fix, never the client's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CredentialsError {
    /// Nothing is stored.
    #[error("it is not set")]
    Missing,
    /// Basic credentials without a `:` between user and password.
    #[error("it has no `:`; it must be `user:password` with a non-empty user (without `:`) and password")]
    NoColon,
    /// Basic credentials with an empty user or password.
    #[error("it has an empty user or password; it must be `user:password` with a non-empty user (without `:`) and password")]
    EmptyPart,
    /// A control character, such as the trailing newline of a file written with `echo`.
    #[error("it contains a control character (a trailing newline?)")]
    ControlCharacter,
    /// An empty bearer token.
    #[error("it is empty")]
    Empty,
}

impl CredentialsError {
    /// Checks a stored `user:password`: both non-empty, no control characters.
    pub fn check_basic(raw: &[u8]) -> Result<(), CredentialsError> {
        let Some(colon) = raw.iter().position(|b| *b == b':') else {
            return Err(CredentialsError::NoColon);
        };
        if colon == 0 || colon + 1 == raw.len() {
            return Err(CredentialsError::EmptyPart);
        }
        if raw.iter().any(u8::is_ascii_control) {
            return Err(CredentialsError::ControlCharacter);
        }
        Ok(())
    }

    /// Checks a stored bearer token: non-empty, no control characters.
    pub fn check_token(raw: &[u8]) -> Result<(), CredentialsError> {
        if raw.is_empty() {
            return Err(CredentialsError::Empty);
        }
        if raw.iter().any(u8::is_ascii_control) {
            return Err(CredentialsError::ControlCharacter);
        }
        Ok(())
    }
}

/// The user a [`BasicAuth`] request authenticated as; a request extension, so handlers take
/// it with [`Extension<AuthenticatedUser>`](crate::extract::Extension).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthenticatedUser(pub String);

type Unconfigured = Arc<dyn Fn(&RequestContext, CredentialsError) -> Response + Send + Sync>;

#[derive(Clone)]
struct Guard {
    realm: String,
    credentials: Credentials,
    unconfigured: Option<Unconfigured>,
}

impl Guard {
    /// The stored value when it is usable, else the answer.
    async fn expected(
        &self,
        ctx: &RequestContext,
        check: fn(&[u8]) -> Result<(), CredentialsError>,
    ) -> Result<Bytes, Response> {
        let value = self.credentials.load(ctx.stores()).await;
        let checked = match value.map_err(IntoResponse::into_response)? {
            None => Err(CredentialsError::Missing),
            Some(raw) => check(&raw).map(|()| raw),
        };
        match checked {
            Ok(raw) => Ok(raw),
            Err(why) => Err(self.not_configured(ctx, why).await),
        }
    }

    async fn not_configured(&self, ctx: &RequestContext, why: CredentialsError) -> Response {
        if let Some(answer) = &self.unconfigured {
            return answer(ctx, why);
        }
        let fix = self.credentials.how_to_set(ctx.stores()).await;
        log::error!(
            "authentication for realm {:?} refused a request: {} cannot be used: {why}; {fix}",
            self.realm,
            self.credentials
        );
        EdgeError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "not_configured",
            "authentication is not configured on this server; its log says what to set",
        )
        .into_response()
    }

    fn challenge(&self, scheme: &str, message: &str) -> Response {
        let challenge = format!("{scheme} realm=\"{}\"", self.realm.replace(['"', '\\'], ""));
        let mut err = EdgeError::new(StatusCode::UNAUTHORIZED, "unauthorized", message);
        if let Ok(value) = HeaderValue::try_from(challenge) {
            err = err.with_header(header::WWW_AUTHENTICATE, value);
        }
        err.into_response()
    }
}

/// The constructor, `on_unconfigured` and `Debug` of an auth middleware around a [`Guard`].
macro_rules! guard_api {
    ($name:ident, $what:literal) => {
        impl $name {
            #[doc = concat!("Guards with the ", $what, " kept in `credentials`, under `realm` (the name a")]
            /// browser shows in its login prompt).
            pub fn new(realm: impl Into<String>, credentials: Credentials) -> Self {
                $name(Guard {
                    realm: realm.into(),
                    credentials,
                    unconfigured: None,
                })
            }

            /// Answers with `answer` instead of `503` when the stored credentials are missing
            /// or malformed (e.g. a page that says how to set them).
            pub fn on_unconfigured(
                mut self,
                answer: impl Fn(&RequestContext, CredentialsError) -> Response + Send + Sync + 'static,
            ) -> Self {
                self.0.unconfigured = Some(Arc::new(answer));
                self
            }
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct(stringify!($name))
                    .field("realm", &self.0.realm)
                    .field("credentials", &self.0.credentials)
                    .finish_non_exhaustive()
            }
        }
    };
}

/// HTTP Basic authentication: the request's `Authorization: Basic …` must carry exactly
/// the stored `user:password`. Otherwise `401` with `WWW-Authenticate: Basic realm="…"`.
///
/// The comparison takes the same time wherever the given value first differs, so timing
/// tells an attacker nothing. Stored credentials that are missing or malformed are the
/// server's problem: `503 not_configured`, with what to set in the log (or your own answer,
/// [`BasicAuth::on_unconfigured`]). On success the user is a request extension,
/// [`AuthenticatedUser`].
///
/// ```
/// use edgezero_core::extract::Extension;
/// use edgezero_core::middleware::{AuthenticatedUser, BasicAuth, Credentials};
/// use edgezero_core::Router;
///
/// async fn admin(Extension(AuthenticatedUser(user)): Extension<AuthenticatedUser>) -> String {
///     format!("hello, {user}")
/// }
///
/// // `admin_credentials` holds `user:password`.
/// let auth = BasicAuth::new("admin", Credentials::secret("admin_credentials"));
/// let router = Router::new().get("/admin", admin).layer(auth);
/// # let _ = router;
/// ```
#[derive(Clone)]
pub struct BasicAuth(Guard);

guard_api!(BasicAuth, "`user:password`");

impl BasicAuth {
    /// The authenticated user, or the answer that refuses the request.
    pub async fn authenticate(&self, ctx: &RequestContext) -> Result<AuthenticatedUser, Response> {
        let expected = self.0.expected(ctx, CredentialsError::check_basic).await?;
        match basic_credentials(ctx.headers()) {
            Some(given) if constant_time_eq(&given, &expected) => {
                let user = expected.split(|b| *b == b':').next().unwrap_or_default();
                Ok(AuthenticatedUser(
                    String::from_utf8_lossy(user).into_owned(),
                ))
            }
            _ => Err(self.0.challenge(
                "Basic",
                &format!(
                    "send the user and password of realm \"{}\" with `Authorization: Basic ...`",
                    self.0.realm
                ),
            )),
        }
    }
}

impl Middleware for BasicAuth {
    fn call(&self, mut ctx: RequestContext, next: Next) -> LocalBoxFuture<'static, Response> {
        let auth = self.clone();
        Box::pin(async move {
            match auth.authenticate(&ctx).await {
                Ok(user) => {
                    ctx.extensions_mut().insert(user);
                    next.run(ctx).await
                }
                Err(refusal) => refusal,
            }
        })
    }
}

/// Bearer-token authentication: `Authorization: Bearer <token>` must carry exactly the
/// stored token; otherwise `401` with `WWW-Authenticate: Bearer realm="…"`. Compared in
/// constant time; missing or malformed stored tokens as for [`BasicAuth`].
///
/// ```
/// use edgezero_core::middleware::{BearerAuth, Credentials};
/// use edgezero_core::Router;
///
/// let router = Router::new()
///     .post("/hooks/deploy", || async { "queued" })
///     .layer(BearerAuth::new("hooks", Credentials::secret("hook_token")));
/// # let _ = router;
/// ```
#[derive(Clone)]
pub struct BearerAuth(Guard);

guard_api!(BearerAuth, "token");

impl Middleware for BearerAuth {
    fn call(&self, ctx: RequestContext, next: Next) -> LocalBoxFuture<'static, Response> {
        let auth = self.clone();
        Box::pin(async move {
            let expected = match auth.0.expected(&ctx, CredentialsError::check_token).await {
                Ok(expected) => expected,
                Err(refusal) => return refusal,
            };
            match bearer_token(ctx.headers()) {
                Some(given) if constant_time_eq(given, &expected) => next.run(ctx).await,
                _ => auth
                    .0
                    .challenge("Bearer", "send the token with `Authorization: Bearer ...`"),
            }
        })
    }
}

/// The decoded `user:password` of `Authorization: Basic …`.
fn basic_credentials(headers: &HeaderMap) -> Option<Vec<u8>> {
    let value = headers.get(header::AUTHORIZATION)?.as_bytes();
    let (scheme, token) = value.split_first_chunk::<6>()?;
    if !scheme.eq_ignore_ascii_case(b"basic ") {
        return None;
    }
    STANDARD.decode(token.trim_ascii()).ok()
}

/// The token of `Authorization: Bearer …`.
fn bearer_token(headers: &HeaderMap) -> Option<&[u8]> {
    let value = headers.get(header::AUTHORIZATION)?.as_bytes();
    let (scheme, token) = value.split_first_chunk::<7>()?;
    scheme
        .eq_ignore_ascii_case(b"bearer ")
        .then(|| token.trim_ascii())
}

/// Whether `given == expected`, in time that depends only on `given.len()`: how long it
/// takes says nothing about where `given` first differs. An empty `expected` never matches.
/// For comparing a password or token a client sent with the stored one.
pub fn constant_time_eq(given: &[u8], expected: &[u8]) -> bool {
    if expected.is_empty() {
        return false;
    }
    let mut equal: Choice = given.len().ct_eq(&expected.len());
    for (i, b) in given.iter().enumerate() {
        equal &= b.ct_eq(&expected[i % expected.len()]);
    }
    equal.into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_time_eq_compares_whole_values() {
        assert!(constant_time_eq(b"alice:secret", b"alice:secret"));
        for other in [
            &b"alice:secreT"[..],
            b"alice:secret ",
            b"alice:secre",
            b"",
            b"alice:secretalice:secret",
        ] {
            assert!(!constant_time_eq(other, b"alice:secret"), "{other:?}");
        }
        assert!(!constant_time_eq(b"", b""));
    }

    #[test]
    fn stored_basic_credentials_need_a_user_and_a_password() {
        assert!(CredentialsError::check_basic(b"a:b:c").is_ok());
        for (bad, why) in [
            (&b"ab"[..], CredentialsError::NoColon),
            (b":b", CredentialsError::EmptyPart),
            (b"a:", CredentialsError::EmptyPart),
            (b"a:b\n", CredentialsError::ControlCharacter),
        ] {
            assert_eq!(CredentialsError::check_basic(bad), Err(why), "{bad:?}");
        }
        assert_eq!(
            CredentialsError::check_token(b""),
            Err(CredentialsError::Empty)
        );
        assert_eq!(
            CredentialsError::check_token(b"t\r"),
            Err(CredentialsError::ControlCharacter)
        );
    }

    #[test]
    fn authorization_headers_are_parsed_by_scheme() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("bAsIc YTpi"),
        );
        assert_eq!(basic_credentials(&headers).as_deref(), Some(&b"a:b"[..]));
        assert_eq!(bearer_token(&headers), None);
        headers.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Bearer  tok "),
        );
        assert_eq!(bearer_token(&headers), Some(&b"tok"[..]));
        assert_eq!(basic_credentials(&headers), None);
        headers.insert(header::AUTHORIZATION, HeaderValue::from_static("Basic !!"));
        assert_eq!(basic_credentials(&headers), None);
    }
}
