//! Outbound HTTP: the portable client a handler gets as an extractor, its one error enum, and
//! the header rules of a reverse proxy.
//!
//! An adapter supplies the client ([`RequestContext::with_http_client`]); a handler asks for
//! it with the [`Client`] extractor and sends core [`Request`]s, whose [`Body`] may be
//! buffered or streamed both ways. Without a client from the platform adapter, the extractor
//! answers 501.
//!
//! | [`FetchError`] | status |
//! |---|---|
//! | `NotAllowed` (e.g. not in Spin's `allowed_outbound_hosts`) | 502, naming the host and the key to change |
//! | `Connect` (DNS, refused, TLS) | 502 |
//! | `Timeout` | 504 |
//! | `InvalidUrl` | 500 (a programming error; logged, never echoed) |
//! | `RequestBody` (the body being sent failed, e.g. past the request body limit) | that error's own status (413, 400) |
//! | `DotSegment` (a proxied path with a `.` or `..` segment, however encoded, which would leave the prefix) | 400 |
//! | `Other` | 502 |
//!
//! ```
//! use edgezero_core::fetch::{Client, FetchError};
//! use edgezero_core::{EdgeError, Json};
//!
//! async fn status(Client(http): Client) -> Result<Json<serde_json::Value>, EdgeError> {
//!     let health: serde_json::Value = http.get_json("https://origin.example/health").await?;
//!     Ok(Json(health))
//! }
//! # let _ = edgezero_core::Router::new().get("/status", status);
//! ```
//!
//! ## Reverse proxying
//!
//! [`HttpHandle::proxy`] forwards a request to an origin and returns the origin's answer:
//! [`forward_request`] (base URL + the rest of the path + the query, hop-by-hop headers
//! dropped, `x-forwarded-for/-host/-proto` set), [`HttpHandle::send`], then
//! [`forward_response`] (hop-by-hop headers dropped, repeated ones such as `Set-Cookie`
//! kept). Both bodies stream through: a 1 GiB upload or download never sits in memory.
//!
//! ```
//! use edgezero_core::fetch::Client;
//! use edgezero_core::http::{HeaderMap, Method, Uri};
//! use edgezero_core::{Body, EdgeError, Response};
//!
//! // `ANY /api/{*rest}` → `https://origin.example/v1/{rest}?{query}`
//! async fn api(
//!     Client(http): Client,
//!     method: Method,
//!     uri: Uri,
//!     headers: HeaderMap,
//!     body: Body, // streaming, held to the request body limit
//! ) -> Result<Response, EdgeError> {
//!     let rest = uri.path().strip_prefix("/api").unwrap_or("").to_string();
//!     let mut request = edgezero_core::http::Request::new(body);
//!     *request.method_mut() = method;
//!     *request.uri_mut() = uri;
//!     *request.headers_mut() = headers;
//!     Ok(http.proxy(request, "https://origin.example/v1", &rest, None).await?)
//! }
//! # let _ = edgezero_core::Router::new().post("/api/{*rest}", api);
//! ```
//!
//! ## Timeouts
//!
//! `EDGEZERO__HTTP__TIMEOUT_MS` ([`crate::env::resolve_http_timeout`], default
//! [`DEFAULT_TIMEOUT`]) is how long a native outbound request may go without progress:
//! connecting, sending the request body, waiting for the response head (→
//! [`FetchError::Timeout`], 504), and between chunks of the response body (the body stream
//! then ends with an error). On Spin the same value becomes the request's `wasi:http`
//! options (connect, first-byte and between-bytes timeouts), which the host enforces.

use std::borrow::Cow;
use std::rc::Rc;
use std::time::Duration;

use async_trait::async_trait;
use http::header::{self, HeaderMap, HeaderName, HeaderValue};
use http::Uri;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::body::Body;
use crate::error::EdgeError;
use crate::response::{Request, Response};

/// Default time an outbound request may take (`EDGEZERO__HTTP__TIMEOUT_MS`).
pub const DEFAULT_TIMEOUT: Duration = edgezero_env::DEFAULT_HTTP_TIMEOUT;

/// Everything that can go wrong with an outbound request.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// The platform refused the destination. HTTP 502.
    #[error("outbound request to `{host}` is not allowed: {fix}")]
    NotAllowed {
        /// The host asked for.
        host: String,
        /// What to change (e.g. the `allowed_outbound_hosts` entry to add).
        fix: String,
    },
    /// The origin could not be reached (DNS, connection, TLS). HTTP 502.
    #[error("cannot reach `{host}`: {reason}")]
    Connect {
        /// The host asked for.
        host: String,
        /// What failed.
        reason: String,
    },
    /// The origin did not answer in time. HTTP 504.
    #[error("`{host}` did not answer within {timeout:?}")]
    Timeout {
        /// The host asked for.
        host: String,
        /// The limit in force.
        timeout: Duration,
    },
    /// The URL is not absolute, or not http(s). HTTP 500: a programming error, logged.
    #[error("invalid outbound URL `{0}`: use an absolute http:// or https:// URL")]
    InvalidUrl(String),
    /// The body being sent failed while it streamed, such as a proxied upload cut off at the
    /// request body limit. Answered with that error's own status (413, 400).
    #[error("the request body could not be sent: {0}")]
    RequestBody(EdgeError),
    /// The path to forward has a `.` or `..` segment, which an origin would resolve to a path
    /// outside the proxied prefix: also when percent-encoded (once or more), hidden behind an
    /// encoded `/` or `\` (`..%2f`, `..%5c`), a `;` parameter or a NUL. HTTP 400.
    #[error("the path `{0}` has a `.` or `..` segment (possibly percent-encoded) and cannot be forwarded")]
    DotSegment(String),
    /// The response could not be read or decoded. HTTP 502.
    #[error("outbound request failed: {0}")]
    Other(String),
}

impl FetchError {
    /// The error of a request body that failed while it was being sent (the proxied upload
    /// passed the body limit, or the client's own body was malformed): the body's own
    /// [`EdgeError`] (413, 400) when it has one, else a 400 naming the failure. A client's
    /// mistake keeps its status: the origin is not blamed for it.
    pub fn request_body(failure: crate::body::BoxError) -> Self {
        FetchError::RequestBody(match failure.downcast::<EdgeError>() {
            Ok(edge) => *edge,
            Err(e) => EdgeError::bad_request(format!("the request body failed while sent: {e}")),
        })
    }
}

impl From<FetchError> for EdgeError {
    fn from(err: FetchError) -> Self {
        let message = err.to_string();
        match err {
            FetchError::NotAllowed { .. } | FetchError::Connect { .. } | FetchError::Other(_) => {
                log::warn!("{message}");
                EdgeError::new(http::StatusCode::BAD_GATEWAY, "bad_gateway", message)
            }
            FetchError::Timeout { .. } => {
                log::warn!("{message}");
                EdgeError::new(
                    http::StatusCode::GATEWAY_TIMEOUT,
                    "gateway_timeout",
                    message,
                )
            }
            FetchError::InvalidUrl(_) => EdgeError::internal(message),
            FetchError::RequestBody(inner) => inner,
            FetchError::DotSegment(_) => EdgeError::bad_request(message),
        }
    }
}

/// An outbound HTTP client, implemented by adapters (and by test fakes).
#[async_trait(?Send)]
pub trait HttpClient {
    /// Sends `request` (an absolute URI) and returns the response, its body streaming.
    async fn send(&self, request: Request) -> Result<Response, FetchError>;
}

/// The host of an absolute http(s) URI, or [`FetchError::InvalidUrl`].
pub fn check_url(uri: &Uri) -> Result<&str, FetchError> {
    match (uri.scheme_str(), uri.host()) {
        (Some("http" | "https"), Some(host)) if !host.is_empty() => Ok(host),
        _ => Err(FetchError::InvalidUrl(uri.to_string())),
    }
}

/// The client, as handlers get it. Cheap to clone.
#[derive(Clone)]
pub struct Client(pub HttpHandle);

/// The platform's client with small helpers.
#[derive(Clone)]
pub struct HttpHandle(pub(crate) Rc<dyn HttpClient>);

impl HttpHandle {
    /// Wraps an adapter's client.
    pub fn new(client: Rc<dyn HttpClient>) -> Self {
        HttpHandle(client)
    }

    /// The adapter's client itself (for code written against [`HttpClient`], such as the
    /// testkit's contract suite).
    pub fn client(&self) -> Rc<dyn HttpClient> {
        Rc::clone(&self.0)
    }

    /// Sends a request with an absolute http(s) URI.
    pub async fn send(&self, request: Request) -> Result<Response, FetchError> {
        check_url(request.uri())?;
        self.0.send(request).await
    }

    /// `GET url`.
    pub async fn get(&self, url: &str) -> Result<Response, FetchError> {
        let request = http::Request::get(url)
            .body(Body::Empty)
            .map_err(|_| FetchError::InvalidUrl(url.to_string()))?;
        self.send(request).await
    }

    /// `GET url` and decode a JSON answer (a non-2xx status is [`FetchError::Other`]).
    pub async fn get_json<T: DeserializeOwned>(&self, url: &str) -> Result<T, FetchError> {
        json_answer(url, self.get(url).await?).await
    }

    /// `POST url` with a JSON body, and decode a JSON answer.
    pub async fn post_json<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        url: &str,
        body: &B,
    ) -> Result<T, FetchError> {
        let bytes = serde_json::to_vec(body).map_err(|e| FetchError::Other(e.to_string()))?;
        let request = http::Request::post(url)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(bytes))
            .map_err(|_| FetchError::InvalidUrl(url.to_string()))?;
        json_answer(url, self.send(request).await?).await
    }

    /// Forwards `request` to `origin` as a reverse proxy and returns the answer to give the
    /// caller: [`forward_request`] (with `rest`, the path after the proxied prefix, and
    /// `client`, the caller's address for `x-forwarded-for`), [`send`](Self::send), then
    /// [`forward_response`]. Both bodies stream; nothing is buffered.
    pub async fn proxy(
        &self,
        request: Request,
        origin: &str,
        rest: &str,
        client: Option<&str>,
    ) -> Result<Response, FetchError> {
        let outgoing = forward_request(request, origin, rest, client)?;
        Ok(forward_response(self.send(outgoing).await?))
    }
}

async fn json_answer<T: DeserializeOwned>(url: &str, response: Response) -> Result<T, FetchError> {
    let status = response.status();
    let body = response
        .into_body()
        .collect(crate::env::DEFAULT_MAX_BODY_BYTES)
        .await
        .map_err(|e| FetchError::Other(format!("reading the answer of {url}: {e}")))?;
    if !status.is_success() {
        return Err(FetchError::Other(format!("{url} answered {status}")));
    }
    serde_json::from_slice(&body)
        .map_err(|e| FetchError::Other(format!("{url} did not answer the expected JSON: {e}")))
}

/// Headers that describe one connection, never forwarded by a proxy.
pub const HOP_BY_HOP: &[&str] = &[
    "connection",
    "keep-alive",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "proxy-authenticate",
    "proxy-authorization",
    "proxy-connection",
];

fn is_hop_by_hop(name: &HeaderName, listed: &[String]) -> bool {
    let n = name.as_str();
    HOP_BY_HOP.contains(&n) || n.starts_with("proxy-") || listed.iter().any(|l| l == n)
}

/// Removes hop-by-hop headers, including those the `Connection` header names.
pub fn strip_hop_by_hop(headers: &mut HeaderMap) {
    let listed: Vec<String> = headers
        .get_all(header::CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|s| s.trim().to_ascii_lowercase())
        .filter(|s| !s.is_empty())
        .collect();
    let names: Vec<HeaderName> = headers
        .keys()
        .filter(|n| is_hop_by_hop(n, &listed))
        .cloned()
        .collect();
    for n in names {
        headers.remove(&n);
    }
}

/// Turns an incoming request into the request a reverse proxy sends to `origin` (an absolute
/// base such as `https://api.internal/v1`): `rest` (the part of the path after the proxied
/// prefix) and the query are appended, hop-by-hop headers dropped, `x-forwarded-for`
/// (`client` appended), `-host` and `-proto` set, `Host` set to the origin's. `Expect` is
/// dropped too: the proxy's own server answers `100-continue`. The body is passed on as it
/// is, streaming.
pub fn forward_request(
    request: Request,
    origin: &str,
    rest: &str,
    client: Option<&str>,
) -> Result<Request, FetchError> {
    let (mut parts, body) = request.into_parts();
    let base = origin.trim_end_matches('/');
    let rest = rest.trim_start_matches('/');
    if rest.split('/').any(escapes_prefix) {
        return Err(FetchError::DotSegment(rest.to_string()));
    }
    let mut url = if rest.is_empty() {
        base.to_string()
    } else {
        format!("{base}/{rest}")
    };
    if let Some(q) = parts.uri.query() {
        url.push('?');
        url.push_str(q);
    }
    let uri: Uri = url
        .parse()
        .map_err(|_| FetchError::InvalidUrl(url.clone()))?;
    let host = match uri.port() {
        Some(port) => format!("{}:{port}", check_url(&uri)?),
        None => check_url(&uri)?.to_string(),
    };
    let incoming_host = parts.headers.get(header::HOST).cloned().or_else(|| {
        parts
            .uri
            .authority()
            .and_then(|a| HeaderValue::from_str(a.as_str()).ok())
    });
    let proto = parts.uri.scheme_str().unwrap_or("http").to_string();
    strip_hop_by_hop(&mut parts.headers);
    parts.headers.remove(header::HOST);
    parts.headers.remove(header::EXPECT);
    if let Some(client) = client {
        let forwarded = match parts
            .headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
        {
            Some(prior) => format!("{prior}, {client}"),
            None => client.to_string(),
        };
        if let Ok(v) = HeaderValue::from_str(&forwarded) {
            parts.headers.insert("x-forwarded-for", v);
        }
    }
    if let Some(h) = incoming_host {
        parts.headers.insert("x-forwarded-host", h);
    }
    if let Ok(v) = HeaderValue::from_str(&proto) {
        parts.headers.insert("x-forwarded-proto", v);
    }
    if let Ok(v) = HeaderValue::from_str(&host) {
        parts.headers.insert(header::HOST, v);
    }
    parts.uri = uri;
    Ok(http::Request::from_parts(parts, body))
}

/// Whether a raw (still percent-encoded) path segment could make an origin resolve a path
/// outside the proxied prefix: `.` or `..` once decoded, however often it was encoded
/// (`%2e`, `%252e`, any case), also when encoded separators hide it inside one segment
/// (`..%2f`, `..%5c`), behind a `;` parameter (`..;x`, which some servers treat as `..`) or
/// before a NUL.
fn escapes_prefix(segment: &str) -> bool {
    let mut bytes = Cow::Borrowed(segment.as_bytes());
    // Each round undoes one layer of encoding; a segment still encoded after that many
    // layers is refused as well: nothing legitimate is encoded so often.
    let mut rounds = 0;
    loop {
        let decoded = match crate::percent::decode_bytes(&bytes) {
            Cow::Borrowed(_) => break,
            Cow::Owned(next) => next,
        };
        rounds += 1;
        if rounds > MAX_DECODE_ROUNDS {
            return true;
        }
        bytes = Cow::Owned(decoded);
    }
    bytes
        .split(|b| matches!(b, b'/' | b'\\' | 0))
        .map(|piece| piece.split(|b| *b == b';').next().unwrap_or_default())
        .any(|piece| piece == b"." || piece == b"..")
}

/// How many layers of percent-encoding [`escapes_prefix`] undoes.
const MAX_DECODE_ROUNDS: usize = 8;

/// The origin's response as the proxy answers it: status, headers (repeated ones such as
/// `Set-Cookie` kept) minus hop-by-hop ones, and the body streaming through.
pub fn forward_response(mut response: Response) -> Response {
    strip_hop_by_hop(response.headers_mut());
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forwarded_requests_rewrite_the_uri_and_headers() {
        let request = http::Request::post("/api/users/7?x=1&y=2")
            .header("host", "edge.example")
            .header("connection", "keep-alive, x-secret-hop")
            .header("x-secret-hop", "1")
            .header("keep-alive", "timeout=5")
            .header("proxy-authorization", "Basic abc")
            .header("x-forwarded-for", "10.0.0.1")
            .header("cookie", "a=1")
            .body(Body::from("payload"))
            .unwrap();
        let out = forward_request(
            request,
            "https://origin.internal/v1/",
            "users/7",
            Some("192.0.2.5"),
        )
        .unwrap();
        assert_eq!(out.uri(), "https://origin.internal/v1/users/7?x=1&y=2");
        assert_eq!(out.method(), http::Method::POST);
        let h = out.headers();
        for gone in [
            "connection",
            "x-secret-hop",
            "keep-alive",
            "proxy-authorization",
        ] {
            assert!(h.get(gone).is_none(), "{gone} must not be forwarded");
        }
        assert_eq!(h["host"], "origin.internal");
        assert_eq!(h["x-forwarded-for"], "10.0.0.1, 192.0.2.5");
        assert_eq!(h["x-forwarded-host"], "edge.example");
        assert_eq!(h["x-forwarded-proto"], "http");
        assert_eq!(h["cookie"], "a=1");
    }

    /// Records what it is sent and answers 202 with the request body streamed back.
    #[derive(Default)]
    struct Mirror {
        seen: std::cell::RefCell<Vec<(String, HeaderMap, bool)>>,
    }

    #[async_trait(?Send)]
    impl HttpClient for Mirror {
        async fn send(&self, request: Request) -> Result<Response, FetchError> {
            let (parts, body) = request.into_parts();
            self.seen
                .borrow_mut()
                .push((parts.uri.to_string(), parts.headers, body.is_buffered()));
            Ok(http::Response::builder()
                .status(202)
                .header("set-cookie", "a=1")
                .header("set-cookie", "b=2")
                .header("connection", "x-hop")
                .header("x-hop", "1")
                .body(body)
                .unwrap())
        }
    }

    fn streamed(chunks: &[&'static str]) -> Body {
        let items: Vec<Result<bytes::Bytes, crate::body::BoxError>> = chunks
            .iter()
            .map(|c| Ok(bytes::Bytes::from_static(c.as_bytes())))
            .collect();
        Body::from_stream(futures_util::stream::iter(items))
    }

    #[test]
    fn proxy_forwards_and_streams_both_ways() {
        let mirror = Rc::new(Mirror::default());
        let http = HttpHandle::new(mirror.clone());
        let request = http::Request::put("/api/v2/items?x=1")
            .header("host", "edge.example")
            .header("expect", "100-continue")
            .header("te", "trailers")
            .header("x-custom", "kept")
            .body(streamed(&["one,", "two,", "three"]))
            .unwrap();
        let response = futures_executor::block_on(http.proxy(
            request,
            "http://127.0.0.1:8080/base/",
            "/v2/items",
            Some("192.0.2.1"),
        ))
        .unwrap();
        let seen = mirror.seen.borrow();
        let (uri, headers, buffered) = &seen[0];
        assert_eq!(uri, "http://127.0.0.1:8080/base/v2/items?x=1");
        assert!(!buffered, "the request body must reach the client unread");
        assert_eq!(
            headers["host"], "127.0.0.1:8080",
            "Host keeps the origin's port"
        );
        assert_eq!(headers["x-forwarded-for"], "192.0.2.1");
        assert_eq!(headers["x-forwarded-host"], "edge.example");
        assert_eq!(headers["x-custom"], "kept");
        assert!(headers.get("expect").is_none() && headers.get("te").is_none());

        assert_eq!(response.status(), 202);
        assert_eq!(response.headers().get_all("set-cookie").iter().count(), 2);
        assert!(response.headers().get("x-hop").is_none());
        assert!(response.headers().get("connection").is_none());
        let body = response.into_body();
        assert!(!body.is_buffered(), "the response body must stream through");
        let bytes = futures_executor::block_on(body.collect(usize::MAX)).unwrap();
        assert_eq!(bytes, "one,two,three");
    }

    #[test]
    fn proxy_to_a_bad_origin_is_invalid_url_and_sends_nothing() {
        let mirror = Rc::new(Mirror::default());
        let http = HttpHandle::new(mirror.clone());
        let request = http::Request::get("/api/x").body(Body::Empty).unwrap();
        let err = futures_executor::block_on(http.proxy(request, "ftp://origin/", "x", None))
            .unwrap_err();
        assert!(matches!(err, FetchError::InvalidUrl(_)), "{err:?}");
        assert!(mirror.seen.borrow().is_empty());
    }

    #[test]
    fn a_failed_request_body_keeps_its_own_status() {
        let err = FetchError::RequestBody(EdgeError::payload_too_large(10));
        assert!(err.to_string().contains("request body"), "{err}");
        assert_eq!(EdgeError::from(err).status(), 413);
    }

    #[test]
    fn dot_segments_are_refused_with_a_400() {
        for rest in [
            "../admin",
            "a/../../b",
            "./x",
            "%2e%2e/admin",
            "a/.%2E/b",
            "%2E",
            // Encoded separators hide `..` inside one segment.
            "..%2fprivate/secret.txt",
            "..%2Fprivate",
            "%2e%2e%2fprivate",
            "%2E%2e%2F%2e%2E%2fetc",
            "x/..%2f..%2fprivate",
            "..%5cprivate",
            "%2e%2e%5Cprivate",
            "..\\private",
            // Double (and deeper) encoding.
            "%252e%252e%252fprivate",
            "..%252fprivate",
            "%25252e%25252e/x",
            "%2525252525252525252525252e%2e",
            // Parameters and NUL that some servers cut off.
            "..;jsessionid=1/private",
            "..%3b/private",
            "..%00/private",
            "%2e%2e%00",
        ] {
            let request = http::Request::get("/api/x").body(Body::Empty).unwrap();
            let err = forward_request(request, "https://origin/v1", rest, None).unwrap_err();
            assert!(matches!(err, FetchError::DotSegment(_)), "{rest}: {err}");
            assert_eq!(EdgeError::from(err).status(), 400, "{rest}");
        }
        for rest in [
            "a..b/c",
            "...",
            "v1.2/x",
            ".well-known/x",
            "a%2fb/c",
            "a%20b",
            "%2e%2e%2e",
            "x..%2fy",
            "100%25",
            "..x%2f",
        ] {
            let request = http::Request::get("/api/x").body(Body::Empty).unwrap();
            assert!(
                forward_request(request, "https://origin/v1", rest, None).is_ok(),
                "{rest}"
            );
        }
    }

    #[test]
    fn responses_keep_repeated_headers_and_drop_hop_by_hop_ones() {
        let response = http::Response::builder()
            .status(201)
            .header("set-cookie", "a=1")
            .header("set-cookie", "b=2")
            .header("transfer-encoding", "chunked")
            .header("upgrade", "h2c")
            .body(Body::Empty)
            .unwrap();
        let out = forward_response(response);
        assert_eq!(out.status(), 201);
        assert_eq!(out.headers().get_all("set-cookie").iter().count(), 2);
        assert!(out.headers().get("transfer-encoding").is_none());
        assert!(out.headers().get("upgrade").is_none());
    }

    #[test]
    fn errors_map_to_gateway_statuses_and_bad_urls_are_not_panics() {
        let status = |e: FetchError| EdgeError::from(e).status().as_u16();
        assert_eq!(
            status(FetchError::NotAllowed {
                host: "a".into(),
                fix: "b".into()
            }),
            502
        );
        assert_eq!(
            status(FetchError::Connect {
                host: "a".into(),
                reason: "refused".into()
            }),
            502
        );
        assert_eq!(
            status(FetchError::Timeout {
                host: "a".into(),
                timeout: DEFAULT_TIMEOUT
            }),
            504
        );
        assert_eq!(status(FetchError::InvalidUrl("x".into())), 500);
        assert!(matches!(
            check_url(&"/relative".parse().unwrap()),
            Err(FetchError::InvalidUrl(_))
        ));
        assert!(matches!(
            check_url(&"ftp://h/x".parse().unwrap()),
            Err(FetchError::InvalidUrl(_))
        ));
        let request = http::Request::get("/x").body(Body::Empty).unwrap();
        assert!(matches!(
            forward_request(request, "not a url", "", None),
            Err(FetchError::InvalidUrl(_))
        ));
    }
}
