//! The outbound HTTP client contract: what every real [`HttpClient`] (native, Spin, Workers, the
//! embedded host) does against the test origin (`origin::Origin` in this repository's
//! unpublished `edgezero-test-support` crate).
//!
//! Like the store suites, cases report a failure instead of panicking and need no
//! runtime of their own (only `edgezero_core::timer::now()` for timings: the platform clock,
//! since `std::time::Instant` panics in a Worker), so the suite runs in a host
//! test and inside a WebAssembly component alike.

use std::rc::Rc;
use std::time::Duration;

use edgezero_core::timer::now;

use edgezero_core::fetch::{FetchError, HttpClient, HttpHandle};
use edgezero_core::{Body, Request, Response};
use futures_util::StreamExt;
use http::Method;
use serde_json::{json, Value};

use super::CaseResult;
use crate::pattern::{pattern, pattern_stream, Checksum};

/// What [`http_client_suite`] runs against.
pub struct HttpClientTarget {
    client: Rc<dyn HttpClient>,
    origin: String,
    short_timeout: Option<(Rc<dyn HttpClient>, Duration)>,
    closed_url: Option<String>,
}

impl HttpClientTarget {
    /// `client` (with its normal timeout, long enough to move several MiB) against a running
    /// test origin at `origin`, its base URL (`http://127.0.0.1:<port>`).
    pub fn new(client: Rc<dyn HttpClient>, origin: &str) -> Self {
        HttpClientTarget {
            client,
            origin: origin.trim_end_matches('/').to_string(),
            short_timeout: None,
            closed_url: None,
        }
    }

    /// Adds the timeout cases: `client` is the same kind of client configured with
    /// `timeout` (a second or so). It must answer `/hang` with [`FetchError::Timeout`] after
    /// about `timeout`, and end a response body that stalls for longer than `timeout` with an
    /// error.
    pub fn with_short_timeout(mut self, client: Rc<dyn HttpClient>, timeout: Duration) -> Self {
        self.short_timeout = Some((client, timeout));
        self
    }

    /// Adds the connect-error case: `url` is an http URL where nothing listens
    /// (`origin::closed_url()` of `edgezero-test-support`, natively).
    pub fn with_closed_url(mut self, url: &str) -> Self {
        self.closed_url = Some(url.to_string());
        self
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.origin)
    }
}

macro_rules! ensure {
    ($cond:expr, $($msg:tt)+) => {
        if !$cond {
            return Err(format!($($msg)+));
        }
    };
}

fn request(method: Method, url: &str, body: Body) -> Result<Request, String> {
    http::Request::builder()
        .method(method)
        .uri(url)
        .body(body)
        .map_err(|e| format!("building {url}: {e}"))
}

async fn send(client: &dyn HttpClient, req: Request) -> Result<Response, String> {
    let what = format!("{} {}", req.method(), req.uri());
    client
        .send(req)
        .await
        .map_err(|e| format!("{what} failed: {e}"))
}

/// A body read as it streams: its checksum, how many chunks it came in and when the first
/// and last arrived.
struct Received {
    sum: Checksum,
    chunks: usize,
    first: Option<Duration>,
    last: Duration,
}

async fn receive(body: Body) -> Result<Received, String> {
    let mut stream = body.into_stream();
    let mut got = Received {
        sum: Checksum::new(),
        chunks: 0,
        first: None,
        last: now(),
    };
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| {
            format!(
                "the response body failed after {} bytes: {e}",
                got.sum.len()
            )
        })?;
        if chunk.is_empty() {
            continue;
        }
        got.sum.update(&chunk);
        got.chunks += 1;
        got.first.get_or_insert_with(now);
        got.last = now();
    }
    Ok(got)
}

async fn json_of(resp: Response) -> Result<Value, String> {
    let status = resp.status();
    let bytes = resp
        .into_body()
        .collect(1 << 20)
        .await
        .map_err(|e| format!("reading the JSON answer: {e}"))?;
    serde_json::from_slice(&bytes).map_err(|e| {
        format!(
            "{status} answer is not JSON ({e}): {}",
            String::from_utf8_lossy(&bytes)
        )
    })
}

fn header_values(echo: &Value, name: &str) -> Vec<String> {
    echo["headers"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|h| h[0] == name)
        .filter_map(|h| h[1].as_str().map(str::to_string))
        .collect()
}

async fn status_codes(t: &HttpClientTarget) -> Result<(), String> {
    for code in [200u16, 201, 204, 301, 404, 418, 500, 503] {
        let resp = send(
            &*t.client,
            request(Method::GET, &t.url(&format!("/status/{code}")), Body::Empty)?,
        )
        .await?;
        ensure!(
            resp.status().as_u16() == code,
            "GET /status/{code} answered {}",
            resp.status()
        );
        if code == 301 {
            ensure!(
                resp.headers().get("location").is_some(),
                "a redirect must be handed back with its Location, not followed"
            );
        }
        let body = receive(resp.into_body()).await?;
        if code == 204 {
            ensure!(body.sum.is_empty(), "a 204 has no body");
        } else {
            ensure!(!body.sum.is_empty(), "the {code} answer lost its body");
        }
    }
    let head = send(
        &*t.client,
        request(Method::HEAD, &t.url("/status/200"), Body::Empty)?,
    )
    .await?;
    ensure!(head.status() == 200, "HEAD answered {}", head.status());
    ensure!(
        receive(head.into_body()).await?.sum.is_empty(),
        "a HEAD answer has no body"
    );
    Ok(())
}

async fn methods_and_request_headers(t: &HttpClientTarget) -> Result<(), String> {
    for method in ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] {
        let url = t.url("/echo/a%20b/c?x=1&y=two%20words");
        let req = http::Request::builder()
            .method(method)
            .uri(&url)
            .header("x-one", "1")
            .header("x-multi", "first")
            .header("x-multi", "second")
            .body(Body::Empty)
            .map_err(|e| e.to_string())?;
        let echo = json_of(send(&*t.client, req).await?).await?;
        ensure!(echo["method"] == method, "{method}: the origin saw {echo}");
        ensure!(
            echo["path"] == "/echo/a%20b/c" && echo["query"] == "x=1&y=two%20words",
            "{method}: path and query must arrive as sent, the origin saw {} ? {}",
            echo["path"],
            echo["query"]
        );
        ensure!(
            header_values(&echo, "x-multi") == ["first", "second"],
            "{method}: repeated request headers must arrive in order, got {:?}",
            header_values(&echo, "x-multi")
        );
        ensure!(
            header_values(&echo, "x-one") == ["1"],
            "{method}: x-one lost"
        );
        let authority = t.origin.trim_start_matches("http://");
        ensure!(
            header_values(&echo, "host") == [authority],
            "{method}: Host must be the origin's authority {authority}, got {:?}",
            header_values(&echo, "host")
        );
    }
    Ok(())
}

async fn response_headers(t: &HttpClientTarget) -> Result<(), String> {
    let resp = send(
        &*t.client,
        request(Method::GET, &t.url("/cookies"), Body::Empty)?,
    )
    .await?;
    let cookies: Vec<&str> = resp
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    ensure!(
        cookies == ["a=1; Path=/", "b=2; HttpOnly", "c=3; Secure"],
        "every Set-Cookie must arrive, in order; got {cookies:?}"
    );
    ensure!(
        resp.headers().get("x-origin").is_some(),
        "the origin's own headers must arrive"
    );
    Ok(())
}

async fn json_helpers(t: &HttpClientTarget) -> Result<(), String> {
    let http = HttpHandle::new(Rc::clone(&t.client));
    let health: Value = http
        .get_json(&t.url("/health"))
        .await
        .map_err(|e| format!("get_json: {e}"))?;
    ensure!(health["status"] == "ok", "get_json read {health}");
    let echo: Value = http
        .post_json(&t.url("/echo/json"), &json!({"name": "edge", "n": 3}))
        .await
        .map_err(|e| format!("post_json: {e}"))?;
    ensure!(
        echo["method"] == "POST",
        "post_json sent {}",
        echo["method"]
    );
    let sent: Value = echo["body"]
        .as_str()
        .and_then(|b| serde_json::from_str(b).ok())
        .unwrap_or(Value::Null);
    ensure!(
        sent == json!({"name": "edge", "n": 3}),
        "post_json must send the value as JSON, the origin got {}",
        echo["body"]
    );
    ensure!(
        header_values(&echo, "content-type") == ["application/json"],
        "post_json must send content-type: application/json"
    );
    match http.get_json::<Value>(&t.url("/status/500")).await {
        Err(FetchError::Other(_)) => Ok(()),
        other => Err(format!(
            "get_json of a 500 must be FetchError::Other, got {other:?}"
        )),
    }
}

async fn upload(t: &HttpClientTarget, total: u64, body: Body) -> Result<(), String> {
    let echo = json_of(
        send(
            &*t.client,
            request(Method::POST, &t.url("/echo/upload"), body)?,
        )
        .await?,
    )
    .await?;
    let expected = Checksum::of_pattern(total);
    ensure!(
        echo["body_len"] == total && echo["body_checksum"] == expected.hex(),
        "the origin received {} bytes with checksum {}, expected {total} bytes with {}",
        echo["body_len"],
        echo["body_checksum"],
        expected.hex()
    );
    Ok(())
}

async fn download(t: &HttpClientTarget, total: u64, chunk: usize) -> Result<Received, String> {
    let resp = send(
        &*t.client,
        request(
            Method::GET,
            &t.url(&format!("/stream?bytes={total}&chunk={chunk}")),
            Body::Empty,
        )?,
    )
    .await?;
    ensure!(resp.status() == 200, "/stream answered {}", resp.status());
    let body = resp.into_body();
    ensure!(
        !body.is_buffered(),
        "a response body must be handed over streaming, not buffered"
    );
    let got = receive(body).await?;
    ensure!(
        got.sum == Checksum::of_pattern(total),
        "downloaded {} bytes, expected {total} intact bytes (checksum mismatch or cut short)",
        got.sum.len()
    );
    Ok(got)
}

async fn streamed_upload(t: &HttpClientTarget) -> Result<(), String> {
    let total = 4 << 20;
    upload(
        t,
        total,
        Body::from_stream(pattern_stream(total, 64 * 1024)),
    )
    .await
}

async fn streamed_download(t: &HttpClientTarget) -> Result<(), String> {
    let got = download(t, 3 << 20, 64 * 1024).await?;
    ensure!(got.chunks > 1, "3 MiB arrived in one chunk: not streamed");
    // Four chunks 300 ms apart: the first must be handed over long before the last exists.
    let resp = send(
        &*t.client,
        request(
            Method::GET,
            &t.url("/stream?bytes=4096&chunk=1024&delay_ms=300"),
            Body::Empty,
        )?,
    )
    .await?;
    let slow = receive(resp.into_body()).await?;
    let first = slow.first.ok_or("the slow stream had no chunk")?;
    ensure!(
        slow.last.saturating_sub(first) >= Duration::from_millis(600),
        "chunks sent 300 ms apart arrived together ({:?} from first to last): the body was buffered",
        slow.last.saturating_sub(first)
    );
    Ok(())
}

async fn large_bodies(t: &HttpClientTarget) -> Result<(), String> {
    let total = 8u64 << 20;
    upload(t, total, Body::from(pattern(0, total as usize))).await?;
    download(t, 24 << 20, 256 * 1024).await.map(|_| ())
}

async fn concurrent_requests(t: &HttpClientTarget) -> Result<(), String> {
    // Three requests of ~600 ms each: together they take ~600 ms unless the client runs
    // them one after another (or blocks its thread).
    let started = now();
    let one = || async {
        let resp = send(
            &*t.client,
            request(
                Method::GET,
                &t.url("/stream?bytes=3072&chunk=1024&delay_ms=300"),
                Body::Empty,
            )?,
        )
        .await?;
        let got = receive(resp.into_body()).await?;
        ensure!(
            got.sum == Checksum::of_pattern(3072),
            "a concurrent download was corrupted"
        );
        Ok::<_, String>(())
    };
    let results = futures_util::future::join_all([one(), one(), one()]).await;
    results.into_iter().collect::<Result<Vec<()>, String>>()?;
    let took = now().saturating_sub(started);
    ensure!(
        took < Duration::from_millis(1500),
        "three concurrent 600 ms requests took {took:?}: the client serialises or blocks"
    );
    Ok(())
}

async fn timeouts(client: &dyn HttpClient, origin: &str, timeout: Duration) -> Result<(), String> {
    let slack = Duration::from_secs(5);
    let started = now();
    let hang = client
        .send(request(
            Method::GET,
            &format!("{origin}/hang"),
            Body::Empty,
        )?)
        .await;
    let took = now().saturating_sub(started);
    ensure!(
        matches!(hang, Err(FetchError::Timeout { .. })),
        "/hang must fail with FetchError::Timeout, got {:?}",
        hang.map(|r| r.status())
    );
    ensure!(
        took + Duration::from_millis(50) >= timeout && took <= timeout + slack,
        "/hang gave up after {took:?} with a {timeout:?} timeout"
    );
    // Headers and a first chunk at once, then a pause four times the timeout.
    let pause = timeout * 4;
    let url = format!(
        "{origin}/stream?bytes=2048&chunk=1024&delay_ms={}",
        pause.as_millis()
    );
    let resp = send(client, request(Method::GET, &url, Body::Empty)?).await?;
    let started = now();
    let stalled = receive(resp.into_body()).await;
    let took = now().saturating_sub(started);
    ensure!(
        stalled.is_err(),
        "a body stalled for {pause:?} must end with an error under a {timeout:?} timeout"
    );
    ensure!(
        took < pause,
        "the stalled body failed only after {took:?}, when the origin resumed"
    );
    Ok(())
}

async fn connect_error(client: &dyn HttpClient, url: &str) -> Result<(), String> {
    match client.send(request(Method::GET, url, Body::Empty)?).await {
        Err(FetchError::Connect { .. }) => Ok(()),
        other => Err(format!(
            "a closed port must be FetchError::Connect, got {:?}",
            other.map(|r| r.status())
        )),
    }
}

async fn invalid_urls(t: &HttpClientTarget) -> Result<(), String> {
    let http = HttpHandle::new(Rc::clone(&t.client));
    let seen = |v: Value| v["requests"].as_u64().unwrap_or(0);
    let before = seen(
        http.get_json(&t.url("/health"))
            .await
            .map_err(|e| e.to_string())?,
    );
    let authority = t.origin.trim_start_matches("http://");
    for url in [
        "/relative/path".to_string(),
        format!("ftp://{authority}/file"),
    ] {
        match t
            .client
            .send(request(Method::GET, &url, Body::Empty)?)
            .await
        {
            Err(FetchError::InvalidUrl(_)) => {}
            other => {
                return Err(format!(
                    "`{url}` must be FetchError::InvalidUrl, got {:?}",
                    other.map(|r| r.status())
                ))
            }
        }
    }
    match http.get("not a url").await {
        Err(FetchError::InvalidUrl(_)) => {}
        other => {
            return Err(format!(
                "get(\"not a url\") must be InvalidUrl, got {:?}",
                other.map(|r| r.status())
            ))
        }
    }
    let after = seen(
        http.get_json(&t.url("/health"))
            .await
            .map_err(|e| e.to_string())?,
    );
    ensure!(
        after == before + 1,
        "invalid URLs must never reach the origin ({} requests between two health checks)",
        after - before - 1
    );
    Ok(())
}

/// Runs every case against `target`. The timeout and connect-error cases run only when the
/// target was given what they need ([`HttpClientTarget::with_short_timeout`],
/// [`HttpClientTarget::with_closed_url`]).
///
/// The cases call the routes of this repository's test origin (`origin::Origin` in the
/// unpublished `edgezero-test-support` crate, whose module docs are the protocol): `/echo`
/// reports the request and the [`Checksum`] of its body, `/stream` sends a
/// [`pattern`](crate::pattern) body in timed chunks, `/status/{code}`, `/cookies`, `/hang`
/// and `/health` (a request counter). Bodies are checked by checksum on both sides, never
/// held whole.
pub async fn http_client_suite(target: &HttpClientTarget) -> Vec<CaseResult> {
    let mut results = vec![
        CaseResult::new("http_status_codes", status_codes(target).await),
        CaseResult::new(
            "http_methods_and_request_headers",
            methods_and_request_headers(target).await,
        ),
        CaseResult::new("http_response_headers", response_headers(target).await),
        CaseResult::new("http_json_helpers", json_helpers(target).await),
        CaseResult::new("http_streamed_upload", streamed_upload(target).await),
        CaseResult::new("http_streamed_download", streamed_download(target).await),
        CaseResult::new("http_large_bodies", large_bodies(target).await),
        CaseResult::new(
            "http_concurrent_requests",
            concurrent_requests(target).await,
        ),
        CaseResult::new("http_invalid_urls", invalid_urls(target).await),
    ];
    if let Some((client, timeout)) = &target.short_timeout {
        results.push(CaseResult::new(
            "http_timeouts",
            timeouts(&**client, &target.origin, *timeout).await,
        ));
    }
    if let Some(url) = &target.closed_url {
        results.push(CaseResult::new(
            "http_connect_error",
            connect_error(&*target.client, url).await,
        ));
    }
    results
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::FakeHttp;

    /// The suite must be able to fail: a fake that answers everything with one canned 200
    /// fails nearly every case.
    #[test]
    fn a_client_that_ignores_the_request_fails_the_suite() {
        let fake: Rc<dyn HttpClient> = Rc::new(FakeHttp::new().respond("http://", 200, &[], "{}"));
        let target = HttpClientTarget::new(fake, "http://127.0.0.1:9");
        let results = futures_executor::block_on(http_client_suite(&target));
        let failed: Vec<&str> = results
            .iter()
            .filter(|r| r.result.is_err())
            .map(|r| r.name)
            .collect();
        for case in [
            "http_status_codes",
            "http_methods_and_request_headers",
            "http_response_headers",
            "http_streamed_upload",
            "http_streamed_download",
            "http_invalid_urls",
        ] {
            assert!(failed.contains(&case), "{case} passed: {results:?}");
        }
    }
}
