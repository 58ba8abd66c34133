//! Cookies to set, and signed cookies.
//!
//! The cookies a request carries are the [`Cookies`] extractor. A response sets cookies
//! with [`SetCookie`], alone or several at once, in a response tuple:
//!
//! ```
//! use std::time::Duration;
//! use edgezero_core::cookie::{SameSite, SetCookie};
//! use edgezero_core::http::StatusCode;
//! use edgezero_core::IntoResponse;
//!
//! async fn remember() -> impl IntoResponse {
//!     let theme = SetCookie::new("theme", "dark").max_age(Duration::from_secs(86_400));
//!     let seen = SetCookie::new("seen", "1").same_site(SameSite::Strict);
//!     (StatusCode::OK, [theme, seen], "saved")
//! }
//! # let resp = futures_executor::block_on(remember()).into_response();
//! # assert_eq!(resp.headers().get_all("set-cookie").iter().count(), 2);
//! ```
//!
//! A **signed** cookie carries an HMAC-SHA256 of its name and value, made with a key only
//! the server knows ([`CookieKey`], at least 32 bytes, kept in a secret): the client can
//! read it but not change it. A tampered, truncated or unsigned value counts as absent.
//!
//! ```
//! use edgezero_core::cookie::{CookieKey, SetCookie};
//! use edgezero_core::extract::Cookies;
//!
//! let key = CookieKey::new(*b"0123456789abcdef0123456789abcdef").unwrap();
//! let cookie = key.sign(SetCookie::new("user", "alice"));
//! let header = cookie.to_string(); // "user=alice.<signature>; Path=/; HttpOnly; SameSite=Lax"
//! let value = header.split(';').next().unwrap();
//! let mut headers = edgezero_core::http::HeaderMap::new();
//! headers.insert("cookie", value.parse().unwrap());
//! let cookies = Cookies::from_headers(&headers);
//! assert_eq!(key.verify(&cookies, "user").as_deref(), Some("alice"));
//! ```

use std::fmt;
use std::time::{Duration, SystemTime};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use http::header::{HeaderMap, HeaderValue, SET_COOKIE};
use sha2::Sha256;

use crate::error::EdgeError;
pub use crate::extract::Cookies;
use crate::response::{InvalidHeader, ResponseHeaders};
use crate::store::secrets::SecretHandle;

/// The `SameSite` attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SameSite {
    /// Sent only with requests from the same site.
    Strict,
    /// Also sent with top-level navigations from other sites (the browsers' default).
    Lax,
    /// Sent with every request; needs `Secure`.
    None,
}

/// A `Set-Cookie` header, built attribute by attribute. [`SetCookie::new`] starts with
/// `Path=/`, `HttpOnly` and `SameSite=Lax`: a cookie scripts cannot read, not sent with
/// cross-site sub-requests. Add `Secure` ([`SetCookie::secure`]) on HTTPS sites.
///
/// A name must be a token and a value cookie-octets (no space, `"`, `,`, `;` or `\`);
/// a response with a cookie that breaks this is a logged `500` naming the cookie, never a
/// malformed header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetCookie {
    name: String,
    value: String,
    path: Option<String>,
    domain: Option<String>,
    max_age: Option<Duration>,
    expires: Option<SystemTime>,
    secure: bool,
    http_only: bool,
    same_site: Option<SameSite>,
    partitioned: bool,
}

impl SetCookie {
    /// `name=value; Path=/; HttpOnly; SameSite=Lax`, a session cookie (no expiry).
    pub fn new(name: impl Into<String>, value: impl Into<String>) -> Self {
        SetCookie {
            name: name.into(),
            value: value.into(),
            path: Some("/".into()),
            domain: None,
            max_age: None,
            expires: None,
            secure: false,
            http_only: true,
            same_site: Some(SameSite::Lax),
            partitioned: false,
        }
    }

    /// A cookie that deletes `name` in the browser (empty, `Max-Age=0`, expired). Give it
    /// the same path and domain as the cookie it removes.
    pub fn removal(name: impl Into<String>) -> Self {
        let mut cookie = Self::new(name, "");
        cookie.max_age = Some(Duration::ZERO);
        cookie.expires = Some(SystemTime::UNIX_EPOCH);
        cookie
    }

    /// The cookie's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The cookie's value.
    pub fn value(&self) -> &str {
        &self.value
    }

    /// `Path` (`None` leaves it out: the browser uses the request's directory).
    pub fn path(mut self, path: Option<&str>) -> Self {
        self.path = path.map(str::to_owned);
        self
    }

    /// `Domain`: also sent to sub-domains of `domain`.
    pub fn domain(mut self, domain: &str) -> Self {
        self.domain = Some(domain.to_owned());
        self
    }

    /// `Max-Age`, in whole seconds.
    pub fn max_age(mut self, max_age: Duration) -> Self {
        self.max_age = Some(max_age);
        self
    }

    /// `Expires`, as an HTTP date.
    pub fn expires(mut self, at: SystemTime) -> Self {
        self.expires = Some(at);
        self
    }

    /// `Secure`: sent over HTTPS only.
    pub fn secure(mut self, secure: bool) -> Self {
        self.secure = secure;
        self
    }

    /// `HttpOnly`: hidden from scripts (on by default).
    pub fn http_only(mut self, http_only: bool) -> Self {
        self.http_only = http_only;
        self
    }

    /// `SameSite` (`Lax` by default; `None` leaves the attribute out).
    pub fn same_site(mut self, same_site: impl Into<Option<SameSite>>) -> Self {
        self.same_site = same_site.into();
        self
    }

    /// `Partitioned` (CHIPS): a third-party cookie kept per top-level site; needs `Secure`.
    pub fn partitioned(mut self, partitioned: bool) -> Self {
        self.partitioned = partitioned;
        self
    }

    /// The header value, or why the cookie cannot be sent.
    pub fn to_header_value(&self) -> Result<HeaderValue, InvalidHeader> {
        let bad = |what: &str| {
            InvalidHeader::new(format!("cookie `{}`: {what}", self.name.escape_debug()))
        };
        if self.name.is_empty() || !self.name.bytes().all(is_token) {
            return Err(bad(
                "the name must be a non-empty token (letters, digits, !#$%&'*+-.^_`|~)",
            ));
        }
        if !self.value.bytes().all(is_cookie_octet) {
            return Err(bad(
                "the value must not contain spaces, control characters or \" , ; \\",
            ));
        }
        for (what, attr) in [("path", &self.path), ("domain", &self.domain)] {
            if attr
                .as_deref()
                .is_some_and(|a| a.bytes().any(|b| b == b';' || b.is_ascii_control()))
            {
                return Err(bad(&format!(
                    "the {what} must not contain `;` or control characters"
                )));
            }
        }
        HeaderValue::try_from(self.to_string()).map_err(|e| bad(&e.to_string()))
    }
}

impl fmt::Display for SetCookie {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}={}", self.name, self.value)?;
        if let Some(path) = &self.path {
            write!(f, "; Path={path}")?;
        }
        if let Some(domain) = &self.domain {
            write!(f, "; Domain={domain}")?;
        }
        if let Some(max_age) = self.max_age {
            write!(f, "; Max-Age={}", max_age.as_secs())?;
        }
        if let Some(expires) = self.expires {
            write!(f, "; Expires={}", httpdate::fmt_http_date(expires))?;
        }
        if self.secure {
            f.write_str("; Secure")?;
        }
        if self.http_only {
            f.write_str("; HttpOnly")?;
        }
        match self.same_site {
            Some(SameSite::Strict) => f.write_str("; SameSite=Strict")?,
            Some(SameSite::Lax) => f.write_str("; SameSite=Lax")?,
            Some(SameSite::None) => f.write_str("; SameSite=None")?,
            None => {}
        }
        if self.partitioned {
            f.write_str("; Partitioned")?;
        }
        Ok(())
    }
}

fn is_token(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

fn is_cookie_octet(b: u8) -> bool {
    matches!(b, 0x21 | 0x23..=0x2b | 0x2d..=0x3a | 0x3c..=0x5b | 0x5d..=0x7e)
}

fn append_all<'a>(
    cookies: impl IntoIterator<Item = &'a SetCookie>,
) -> Result<HeaderMap, InvalidHeader> {
    let mut map = HeaderMap::new();
    for cookie in cookies {
        map.append(SET_COOKIE, cookie.to_header_value()?);
    }
    Ok(map)
}

/// One `Set-Cookie` in a response tuple.
impl ResponseHeaders for SetCookie {
    fn into_headers(self) -> Result<HeaderMap, InvalidHeader> {
        append_all([&self])
    }
}

/// Several `Set-Cookie` headers in a response tuple, all sent.
impl<const N: usize> ResponseHeaders for [SetCookie; N] {
    fn into_headers(self) -> Result<HeaderMap, InvalidHeader> {
        append_all(&self)
    }
}

/// Several `Set-Cookie` headers in a response tuple, all sent.
impl ResponseHeaders for Vec<SetCookie> {
    fn into_headers(self) -> Result<HeaderMap, InvalidHeader> {
        append_all(&self)
    }
}

/// The shortest signing key [`CookieKey::new`] takes, in bytes.
pub const MIN_KEY_BYTES: usize = 32;

/// A key shorter than [`MIN_KEY_BYTES`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a cookie signing key must be at least {MIN_KEY_BYTES} bytes, got {0}; generate one with e.g. `openssl rand -base64 48`")]
pub struct KeyTooShort(pub usize);

/// The key that signs and verifies cookies (HMAC-SHA256).
#[derive(Clone)]
pub struct CookieKey(Hmac<Sha256>);

impl CookieKey {
    /// A key from at least [`MIN_KEY_BYTES`] bytes (of a random secret).
    pub fn new(bytes: impl AsRef<[u8]>) -> Result<Self, KeyTooShort> {
        let bytes = bytes.as_ref();
        if bytes.len() < MIN_KEY_BYTES {
            return Err(KeyTooShort(bytes.len()));
        }
        Hmac::new_from_slice(bytes)
            .map(CookieKey)
            .map_err(|_| KeyTooShort(bytes.len()))
    }

    /// The key kept in the secret `name`. A missing or short secret is the server's
    /// problem: a `503 not_configured`, with what to set in the log.
    pub async fn from_secret(secrets: &SecretHandle, name: &str) -> Result<Self, EdgeError> {
        let problem = match secrets.get_bytes(name).await? {
            Some(bytes) => match Self::new(&bytes) {
                Ok(key) => return Ok(key),
                Err(short) => short.to_string(),
            },
            None => "it is not set".to_string(),
        };
        let fix = secrets
            .how_to_set(name)
            .unwrap_or_else(|| format!("set the secret `{name}`"));
        log::error!("the cookie signing key `{name}` cannot be used: {problem}; {fix}");
        Err(EdgeError::new(
            http::StatusCode::SERVICE_UNAVAILABLE,
            "not_configured",
            "cookie signing is not configured on this server; its log says what to set",
        ))
    }

    fn tag(&self, name: &str, value: &str) -> Hmac<Sha256> {
        let mut mac = self.0.clone();
        mac.update(name.as_bytes());
        mac.update(b"=");
        mac.update(value.as_bytes());
        mac
    }

    /// `cookie` with its value signed: `value.signature`.
    pub fn sign(&self, mut cookie: SetCookie) -> SetCookie {
        let tag = self
            .tag(&cookie.name, &cookie.value)
            .finalize()
            .into_bytes();
        cookie.value = format!("{}.{}", cookie.value, URL_SAFE_NO_PAD.encode(tag));
        cookie
    }

    /// The value of the signed cookie `name`, when it is present and its signature holds.
    pub fn verify(&self, cookies: &Cookies, name: &str) -> Option<String> {
        self.verify_value(name, cookies.get(name)?)
    }

    /// The value inside a signed `raw` value of cookie `name`, when the signature holds.
    pub fn verify_value(&self, name: &str, raw: &str) -> Option<String> {
        let (value, signature) = raw.rsplit_once('.')?;
        let signature = URL_SAFE_NO_PAD.decode(signature).ok()?;
        self.tag(name, value)
            .verify_slice(&signature)
            .ok()
            .map(|()| value.to_owned())
    }
}

impl fmt::Debug for CookieKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CookieKey(..)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &[u8; 32] = b"0123456789abcdef0123456789abcdef";

    #[test]
    fn every_attribute_is_written() {
        let cookie = SetCookie::new("id", "a1")
            .path(Some("/app"))
            .domain("example.com")
            .max_age(Duration::from_secs(60))
            .expires(SystemTime::UNIX_EPOCH + Duration::from_secs(784_111_777))
            .secure(true)
            .same_site(SameSite::None)
            .partitioned(true);
        assert_eq!(
            cookie.to_string(),
            "id=a1; Path=/app; Domain=example.com; Max-Age=60; \
             Expires=Sun, 06 Nov 1994 08:49:37 GMT; Secure; HttpOnly; SameSite=None; Partitioned"
        );
        let plain = SetCookie::new("a", "b")
            .path(None)
            .http_only(false)
            .same_site(None);
        assert_eq!(plain.to_string(), "a=b");
        assert_eq!(
            SetCookie::removal("id").to_string(),
            "id=; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; SameSite=Lax"
        );
    }

    #[test]
    fn names_and_values_that_would_break_the_header_are_refused() {
        for (name, value) in [
            ("", "v"),
            ("a b", "v"),
            ("a;b", "v"),
            ("a", "v w"),
            ("a", "v;w"),
            ("a", "\"v\""),
            ("a", "v\n"),
        ] {
            let err = SetCookie::new(name, value).to_header_value().unwrap_err();
            assert!(err.to_string().contains("cookie"), "{err}");
        }
        assert!(SetCookie::new("a", "v")
            .path(Some("/;x"))
            .to_header_value()
            .is_err());
        assert!(SetCookie::new("a", "b64+/=.-_~").to_header_value().is_ok());
    }

    #[test]
    fn a_signed_value_verifies_and_a_tampered_one_is_absent() {
        let key = CookieKey::new(KEY).unwrap();
        let signed = key.sign(SetCookie::new("user", "alice"));
        assert!(signed.value().starts_with("alice."));
        assert_eq!(
            key.verify_value("user", signed.value()).as_deref(),
            Some("alice")
        );
        let sig = signed.value().strip_prefix("alice.").unwrap();
        for forged in [
            format!("bob.{sig}"),
            "alice".to_string(),
            "alice.".to_string(),
            format!("alice.{}", &sig[1..]),
            format!("alice.{sig}x"),
        ] {
            assert_eq!(key.verify_value("user", &forged), None, "{forged}");
        }
        assert_eq!(
            key.verify_value("admin", signed.value()),
            None,
            "bound to its name"
        );
        let other = CookieKey::new(b"another key, also 32 bytes long!").unwrap();
        assert_eq!(other.verify_value("user", signed.value()), None);
        assert_eq!(CookieKey::new(b"short").unwrap_err(), KeyTooShort(5));
    }
}
