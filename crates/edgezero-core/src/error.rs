//! The one error type handlers return, and the one place that maps errors to HTTP.
//!
//! Every failure becomes a JSON body of the form
//! `{"error": {"status": 400, "code": "bad_request", "message": "..."}}`.
//! A `500` never carries its internal message to the client: it is logged instead.

use std::fmt;

use http::{header, HeaderName, HeaderValue, StatusCode};

use crate::store::config::ConfigError;
use crate::store::kv::KvError;
use crate::store::secrets::SecretError;

/// Any error, boxed: a body stream's failure, an [`EdgeError`]'s internal detail.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// An error that knows its HTTP status and a message that is safe to show.
pub struct EdgeError {
    status: StatusCode,
    code: &'static str,
    message: String,
    source: Option<BoxError>,
    headers: Vec<(HeaderName, HeaderValue)>,
}

impl EdgeError {
    /// An error with any status; `code` is a short machine-readable word.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        EdgeError {
            status,
            code,
            message: message.into(),
            source: None,
            headers: Vec::new(),
        }
    }

    /// `400 Bad Request`.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }

    /// `404 Not Found`.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    /// `409 Conflict`.
    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, "conflict", message)
    }

    /// `405 Method Not Allowed` with the `Allow` header listing `allowed`.
    pub fn method_not_allowed(method: &http::Method, allowed: &[http::Method]) -> Self {
        let allow = allowed
            .iter()
            .map(|m| m.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        let mut err = Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            format!("method {method} is not allowed here; allowed: {allow}"),
        );
        if let Ok(v) = HeaderValue::from_str(&allow) {
            err.headers.push((header::ALLOW, v));
        }
        err
    }

    /// `413 Payload Too Large`.
    pub fn payload_too_large(limit: usize) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("request body is larger than the limit of {limit} bytes"),
        )
    }

    /// `415 Unsupported Media Type`.
    pub fn unsupported_media_type(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            message,
        )
    }

    /// `501 Not Implemented`.
    pub fn not_implemented(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_IMPLEMENTED, "not_implemented", message)
    }

    /// `503 Service Unavailable`.
    pub fn unavailable(message: impl Into<String>) -> Self {
        Self::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", message)
    }

    /// `500 Internal Server Error`. `detail` is logged, never sent to the client.
    pub fn internal(detail: impl Into<BoxError>) -> Self {
        let mut err = Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "internal server error",
        );
        err.source = Some(detail.into());
        err
    }

    /// Adds a response header to the error response.
    pub fn with_header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.push((name, value));
        self
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The short machine-readable code, e.g. `bad_request`.
    pub fn code(&self) -> &'static str {
        self.code
    }

    /// The message the client sees.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The response's parts: status, JSON body, extra headers and the [`ErrorMark`] the app's
    /// error renderer reads, logging the internal detail of a server error.
    /// [`EdgeError::into_response`] builds the response.
    pub(crate) fn into_marked_parts(
        self,
    ) -> (
        StatusCode,
        String,
        Vec<(HeaderName, HeaderValue)>,
        ErrorMark,
    ) {
        if self.status.is_server_error() {
            match &self.source {
                Some(src) => log::error!("{} {}: {src}", self.status.as_u16(), self.message),
                None => log::warn!("{} {}", self.status.as_u16(), self.message),
            }
        }
        let body = self.json_body();
        let mark = ErrorMark {
            code: self.code,
            message: self.message,
        };
        (self.status, body, self.headers, mark)
    }
}

/// Marks a response as an error answer (a response extension), for the app's error renderer
/// (`Router::error_renderer`): what it needs besides the status.
#[derive(Debug, Clone)]
pub(crate) struct ErrorMark {
    pub(crate) code: &'static str,
    pub(crate) message: String,
}

impl EdgeError {
    /// `{"error":{"code":…,"message":…,"status":…}}`, byte for byte what `serde_json` writes
    /// for that object (keys sorted), without building a `serde_json::Value`.
    fn json_body(&self) -> String {
        let mut out = String::with_capacity(48 + self.code.len() + self.message.len());
        out.push_str("{\"error\":{\"code\":");
        push_json_string(&mut out, self.code);
        out.push_str(",\"message\":");
        push_json_string(&mut out, &self.message);
        out.push_str(",\"status\":");
        push_decimal(&mut out, self.status.as_u16());
        out.push_str("}}");
        out
    }
}

/// Appends `s` as a JSON string, escaped as `serde_json` escapes it.
fn push_json_string(out: &mut String, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push('"');
    let mut start = 0;
    for (i, b) in s.bytes().enumerate() {
        let short = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0c => "\\f",
            0..=0x1f => "",
            _ => continue,
        };
        out.push_str(&s[start..i]);
        start = i + 1;
        if short.is_empty() {
            out.push_str("\\u00");
            out.push(HEX[usize::from(b >> 4)] as char);
            out.push(HEX[usize::from(b & 0xf)] as char);
        } else {
            out.push_str(short);
        }
    }
    out.push_str(&s[start..]);
    out.push('"');
}

/// Appends `n` in decimal.
fn push_decimal(out: &mut String, n: u16) {
    let mut digits = [0u8; 5];
    let mut at = digits.len();
    let mut n = n;
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for &d in &digits[at..] {
        out.push(d as char);
    }
}

impl fmt::Debug for EdgeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EdgeError")
            .field("status", &self.status)
            .field("code", &self.code)
            .field("message", &self.message)
            .field("source", &self.source.as_ref().map(|s| s.to_string()))
            .finish()
    }
}

impl fmt::Display for EdgeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.status.as_u16(), self.message)?;
        if let Some(src) = &self.source {
            write!(f, ": {src}")?;
        }
        Ok(())
    }
}

impl std::error::Error for EdgeError {}

impl From<KvError> for EdgeError {
    fn from(err: KvError) -> Self {
        let message = err.to_string();
        match err {
            KvError::Validation(_) => Self::bad_request(message),
            KvError::Unsupported { .. } | KvError::NotAtomic { .. } => {
                Self::not_implemented(message)
            }
            KvError::LimitExceeded { .. } => Self::unavailable(message),
            KvError::NotACounter { .. } => Self::conflict(message),
            KvError::Contention { .. } => Self::unavailable(message),
            KvError::Unavailable { ref store, .. } => {
                log::error!("{message}");
                Self::unavailable(format!("key-value store `{store}` is unavailable"))
            }
            KvError::UnknownStore(_) | KvError::Misconfigured(_) | KvError::Internal(_) => {
                Self::internal(message)
            }
        }
    }
}

impl From<ConfigError> for EdgeError {
    fn from(err: ConfigError) -> Self {
        let message = err.to_string();
        match err {
            ConfigError::Validation(_) => Self::bad_request(message),
            ConfigError::Unavailable { ref store, .. } => {
                log::error!("{message}");
                Self::unavailable(format!("config store `{store}` is unavailable"))
            }
            ConfigError::InvalidValue { .. }
            | ConfigError::UnknownStore(_)
            | ConfigError::Internal(_) => Self::internal(message),
        }
    }
}

impl From<SecretError> for EdgeError {
    fn from(err: SecretError) -> Self {
        let message = err.to_string();
        match err {
            SecretError::Validation(_) => Self::bad_request(message),
            SecretError::Unavailable(_) => {
                log::error!("{message}");
                Self::unavailable("secret store is unavailable")
            }
            SecretError::UnknownStore(_) | SecretError::Internal(_) => Self::internal(message),
        }
    }
}

impl From<serde_json::Error> for EdgeError {
    fn from(err: serde_json::Error) -> Self {
        Self::internal(err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::body::Body;
    use crate::response::Response;

    fn body_json(resp: Response) -> serde_json::Value {
        match resp.into_body() {
            Body::Full(b) => serde_json::from_slice(&b).unwrap(),
            other => panic!("unexpected body {other:?}"),
        }
    }

    #[test]
    fn internal_error_hides_detail() {
        let resp = EdgeError::internal("db password is hunter2").into_response();
        assert_eq!(resp.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let v = body_json(resp);
        assert_eq!(v["error"]["message"], "internal server error");
        assert!(!v.to_string().contains("hunter2"));
    }

    #[test]
    fn store_errors_map_to_statuses() {
        let cases: Vec<(EdgeError, u16)> = vec![
            (KvError::Validation("key is empty".into()).into(), 400),
            (
                KvError::Unsupported {
                    operation: "put_bytes_with_ttl",
                }
                .into(),
                501,
            ),
            (
                KvError::NotAtomic {
                    operation: "increment",
                    store: "default".into(),
                    fix: "bind it to an atomic store".into(),
                }
                .into(),
                501,
            ),
            (
                KvError::LimitExceeded {
                    store: "cache".into(),
                    limit: 3,
                    env_var: "X".into(),
                }
                .into(),
                503,
            ),
            (
                KvError::Unavailable {
                    store: "cache".into(),
                    reason: "secret".into(),
                }
                .into(),
                503,
            ),
            (KvError::Internal("boom".into()).into(), 500),
            (ConfigError::Validation("bad".into()).into(), 400),
            (SecretError::Validation("bad".into()).into(), 400),
        ];
        for (err, status) in cases {
            assert_eq!(err.status().as_u16(), status, "{err:?}");
        }
    }

    #[test]
    fn unavailable_hides_reason() {
        let err: EdgeError = KvError::Unavailable {
            store: "cache".into(),
            reason: "/secret/path".into(),
        }
        .into();
        let v = body_json(err.into_response());
        assert!(!v.to_string().contains("/secret/path"));
        assert!(v["error"]["message"].as_str().unwrap().contains("cache"));
    }

    #[test]
    fn body_is_what_serde_json_writes() {
        let messages = [
            String::from("plain"),
            String::from("quote \" backslash \\ slash / tab \t newline \n cr \r"),
            (0u8..0x20).map(char::from).collect::<String>() + "\u{7f} é ✓ 😀",
            String::new(),
        ];
        for (status, message) in [400u16, 404, 405, 501, 503]
            .into_iter()
            .zip(messages.iter().cycle())
        {
            let err = EdgeError::new(
                StatusCode::from_u16(status).unwrap(),
                "some_code",
                message.clone(),
            );
            let expected = serde_json::json!({
                "error": {"status": status, "code": "some_code", "message": message}
            })
            .to_string();
            assert_eq!(err.json_body(), expected);
        }
    }

    #[test]
    fn method_not_allowed_sets_allow() {
        let resp = EdgeError::method_not_allowed(
            &http::Method::PUT,
            &[http::Method::GET, http::Method::HEAD],
        )
        .into_response();
        assert_eq!(resp.headers()[header::ALLOW], "GET, HEAD");
    }
}
