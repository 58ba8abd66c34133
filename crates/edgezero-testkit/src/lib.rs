//! # EdgeZero testkit
//!
//! What an app's own tests depend on (`[dev-dependencies] edgezero-testkit`), and the
//! contracts every store backend and outbound HTTP client passes:
//!
//! - [`TestApp`]: send requests through a router without a server, against in-memory stores;
//! - [`memory`]: in-memory KV / config / secret stores and a `StoreProvider` over them;
//! - [`FakeHttp`]: a recording outbound client with canned answers, for handler tests;
//! - [`contract`]: the suites every store backend runs (in-memory, native SQLite, Spin), and
//!   the one every outbound HTTP client runs ([`contract::http_client_suite`]); a case that
//!   fails reports a [`contract::CaseFailure`], never a panic, so a suite also runs inside a
//!   WebAssembly component;
//! - [`pattern`]: deterministic bodies of any size and their running checksum;
//! - [`env_lookup`]: an environment of fixed pairs, for the `EDGEZERO__*` resolvers.
//!
//! Everything here also builds for `wasm32-wasip2`. The servers and clients that test this
//! repository from the outside (a loopback origin, a raw HTTP/1.1 client, hostile requests,
//! a browser driver) are in its unpublished `edgezero-test-support` crate.
//!
//! ```
//! use edgezero_core::Router;
//! use edgezero_testkit::TestApp;
//!
//! let app = TestApp::new(Router::new().get("/hi", || async { "hi" }));
//! let resp = app.get("/hi");
//! assert_eq!(resp.status(), 200);
//! assert_eq!(resp.text(), "hi");
//! ```

#![warn(missing_docs)]

pub mod contract;
pub mod fake_http;
pub mod memory;
pub mod pattern;

use std::rc::Rc;
use std::sync::Arc;

use bytes::{Bytes, BytesMut};
use edgezero_core::body::BoxError;
use edgezero_core::{
    App, Body, Request, RequestContext, Router, StoreBindings, StoreMetadata, Stores,
};
use futures_util::StreamExt;
use http::{HeaderMap, StatusCode};

pub use fake_http::FakeHttp;
pub use memory::{MemoryConfig, MemoryKv, MemoryProvider, MemorySecrets};

/// An environment holding exactly `pairs`, as the lookup closure that the settings
/// resolvers (`edgezero_core::env`, the servers' configuration) take.
pub fn env_lookup<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
    move |name| {
        pairs
            .iter()
            .find(|(key, _)| *key == name)
            .map(|(_, value)| value.to_string())
    }
}

/// A router plus in-memory stores, driven synchronously.
pub struct TestApp {
    router: Router,
    bindings: Arc<StoreBindings>,
    provider: MemoryProvider,
    body_limit: Option<usize>,
    http: Option<std::rc::Rc<dyn edgezero_core::fetch::HttpClient>>,
}

/// A response body that failed while streaming, returned by [`TestApp::try_send`].
#[derive(Debug)]
pub struct BodyError {
    /// The status that was already sent.
    pub status: StatusCode,
    /// How many body bytes arrived before the failure.
    pub received: usize,
    /// The stream's error.
    pub source: BoxError,
}

impl std::fmt::Display for BodyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "status {} was sent, then the body stream failed after {} bytes: {}",
            self.status, self.received, self.source
        )
    }
}

impl std::error::Error for BodyError {}

/// A buffered response.
#[derive(Debug)]
pub struct TestResponse {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
}

impl TestResponse {
    /// The status code.
    pub fn status(&self) -> StatusCode {
        self.status
    }
    /// The headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }
    /// One header as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
    /// The body bytes.
    pub fn bytes(&self) -> &Bytes {
        &self.body
    }
    /// The body as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    /// The body as JSON (panics if it is not JSON).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("body is not JSON ({e}): {}", self.text()))
    }
}

impl TestApp {
    /// A test app over `router` with no declared stores.
    #[track_caller]
    pub fn new(router: Router) -> Self {
        Self::with_stores(router, &StoreMetadata::NONE, &|_| None)
    }

    /// A test app for an `app!`-generated [`App`], with the given environment lookup.
    #[track_caller]
    pub fn for_app<A: App>(env: &dyn Fn(&str) -> Option<String>) -> Self {
        Self::with_stores(A::router(), A::stores(), env)
    }

    /// A test app with declared stores and an environment lookup for `EDGEZERO__*`.
    ///
    /// # Panics
    /// When the router has routes that could not be added ([`Router::try_build`]).
    #[track_caller]
    pub fn with_stores(
        router: Router,
        meta: &StoreMetadata,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Self {
        TestApp {
            router: router.build(),
            bindings: Arc::new(StoreBindings::resolve(meta, env)),
            provider: MemoryProvider::new(),
            body_limit: None,
            http: None,
        }
    }

    /// Sets the request body limit (bytes), as an adapter does from
    /// `EDGEZERO__ADAPTER__MAX_BODY_BYTES`.
    pub fn with_body_limit(mut self, limit: usize) -> Self {
        self.body_limit = Some(limit);
        self
    }

    /// Replaces the provider (to seed config or secrets).
    pub fn with_provider(mut self, provider: MemoryProvider) -> Self {
        self.provider = provider;
        self
    }

    /// Gives handlers an outbound HTTP client (e.g. a [`FakeHttp`]).
    pub fn with_http_client(
        mut self,
        client: std::rc::Rc<dyn edgezero_core::fetch::HttpClient>,
    ) -> Self {
        self.http = Some(client);
        self
    }

    /// The in-memory provider (to inspect stored data).
    pub fn provider(&self) -> &MemoryProvider {
        &self.provider
    }

    /// Sends a request.
    ///
    /// # Panics
    /// When the response body fails while it streams (see [`TestApp::try_send`]), so a
    /// broken stream is a test failure rather than a silently short body.
    #[track_caller]
    pub fn send(&self, request: Request) -> TestResponse {
        let what = format!("{} {}", request.method(), request.uri());
        self.try_send(request)
            .unwrap_or_else(|e| panic!("the response body of {what} failed: {e}"))
    }

    /// Sends a request; `Err` when the response body fails while it streams.
    pub fn try_send(&self, request: Request) -> Result<TestResponse, BodyError> {
        let stores = Stores::new(Arc::clone(&self.bindings), Rc::new(self.provider.clone()));
        let ctx = RequestContext::new(request, stores);
        let ctx = match self.body_limit {
            Some(limit) => ctx.with_body_limit(limit),
            None => ctx,
        };
        let ctx = match &self.http {
            Some(client) => ctx.with_http_client(client.clone()),
            None => ctx,
        };
        futures_executor::block_on(async {
            let resp = self.router.dispatch(ctx).await;
            let (parts, body) = resp.into_parts();
            let mut buf = BytesMut::new();
            let mut stream = body.into_stream();
            while let Some(chunk) = stream.next().await {
                match chunk {
                    Ok(c) => buf.extend_from_slice(&c),
                    Err(source) => {
                        return Err(BodyError {
                            status: parts.status,
                            received: buf.len(),
                            source,
                        })
                    }
                }
            }
            Ok(TestResponse {
                status: parts.status,
                headers: parts.headers,
                body: buf.freeze(),
            })
        })
    }

    /// Sends a request with a method, URI and body.
    pub fn request(&self, method: &str, uri: &str, body: impl Into<Body>) -> TestResponse {
        let req = http::Request::builder()
            .method(method)
            .uri(uri)
            .body(body.into())
            .unwrap_or_else(|e| panic!("invalid test request {method} {uri}: {e}"));
        self.send(req)
    }

    /// Sends a `GET`.
    pub fn get(&self, uri: &str) -> TestResponse {
        self.request("GET", uri, Body::Empty)
    }
}
