//! The Spin entry point and the `spin_sdk` implementation of [`SpinHost`]. This is the only
//! module that touches the SDK, and the only one compiled for `wasm32` alone; its `bucket`
//! submodule (`wasi:keyvalue`) is compiled only with the `wasi-keyvalue` feature.

#[cfg(feature = "wasi-keyvalue")]
mod bucket;
#[cfg(feature = "outbound-http")]
mod client;
mod respond;
mod time;

use std::cell::OnceCell;
use std::rc::Rc;
use std::sync::{Arc, OnceLock};

use edgezero_core::env;
use edgezero_core::store::StoreProvider;
use edgezero_core::{App, Body, EdgeError, RequestContext, Router, StoreBindings, Stores};
#[cfg(not(feature = "wasi-keyvalue"))]
use spin_sdk::key_value::{Error as SdkKvError, Keys, Store};
use spin_sdk::variables::Error as SdkVarError;
use spin_sdk::wasip3::http::types::{
    ErrorCode, Request as WasiRequest, Response as WasiResponse, Scheme,
};
use spin_sdk::wasip3::http_compat::IncomingRequestBody;

use crate::error::SpinKvError;
#[cfg(not(feature = "wasi-keyvalue"))]
use crate::kv::{KeyStream, KvBackend};
use crate::provider::{SpinHost, SpinProvider};
use crate::request::{
    headers_from_list, into_core_body, split_spin_headers, uri_from_parts, SpinRequestInfo,
};
use crate::response::without_forbidden_headers;
use crate::secrets::VariableError;

/// What a component instance builds once and shares across requests (Spin reuses instances).
struct Instance {
    router: Router,
    bindings: Arc<StoreBindings>,
    body_limit: Result<usize, env::EnvError>,
    #[cfg(feature = "outbound-http")]
    http_timeout: Result<std::time::Duration, env::EnvError>,
}

/// One per component instance. A component exports a single app, so one slot is enough even
/// though `run_app` is generic.
static INSTANCE: OnceLock<Instance> = OnceLock::new();

fn instance<A: App>() -> &'static Instance {
    INSTANCE.get_or_init(|| {
        let vars = component_env();
        edgezero_core::logging::init(&vars);
        time::install();
        Instance {
            router: A::router(),
            bindings: Arc::new(StoreBindings::resolve(A::stores(), &vars)),
            body_limit: env::resolve_max_body_bytes(&vars),
            #[cfg(feature = "outbound-http")]
            http_timeout: env::resolve_http_timeout(&vars),
        }
    })
}

thread_local! {
    /// The instance's store provider. It holds no per-request state (each request gets its
    /// own [`Stores`] registry over it), so it is built once, like [`Instance`]; a thread
    /// local because it is an `Rc` (a component instance has one thread).
    static PROVIDER: OnceCell<Rc<dyn StoreProvider>> = const { OnceCell::new() };
}

fn provider<A: App>() -> Rc<dyn StoreProvider> {
    PROVIDER.with(|slot| {
        Rc::clone(slot.get_or_init(|| Rc::new(SpinProvider::<Sdk, A>::new(Rc::new(Sdk)))))
    })
}

#[cfg(feature = "outbound-http")]
thread_local! {
    /// The instance's outbound HTTP client: like the provider, built once.
    static HTTP: OnceCell<Rc<dyn edgezero_core::fetch::HttpClient>> = const { OnceCell::new() };
}

#[cfg(feature = "outbound-http")]
fn http_client(timeout: std::time::Duration) -> Rc<dyn edgezero_core::fetch::HttpClient> {
    HTTP.with(|slot| Rc::clone(slot.get_or_init(|| Rc::new(client::SpinHttp { timeout }))))
}

/// The component's environment (its `environment` table in `spin.toml`), read once per
/// instance with `wasi:cli/environment` 0.3 instead of `std::env`. On `wasm32-wasip2`,
/// std's first environment read goes through the preview-1 adapter, which keeps two
/// 64 KiB buffers on the instance's heap: the memory then grows on every fresh instance,
/// and the host pays for it (a protection change of the instance's memory, twice).
fn component_env() -> impl Fn(&str) -> Option<String> {
    let vars = spin_sdk::wasip3::cli::environment::get_environment();
    move |name| {
        vars.iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.clone())
    }
}

/// Runs `A` for one Spin request. The whole `src/lib.rs` of a component crate can be:
///
/// ```ignore
/// use edgezero_adapter_spin::http_service;
/// use spin_sdk::http::{IntoResponse, Request};
///
/// #[http_service]
/// async fn handle(req: Request) -> anyhow::Result<impl IntoResponse> {
///     edgezero_adapter_spin::run_app::<my_app_core::App>(req).await
/// }
/// ```
///
/// It answers with the `wasi:http` response itself, which the SDK's `IntoResponse` passes
/// through untouched, written as [`component!`](crate::component) writes it (headers read in
/// place, no stream for an empty body). Under [`http_service`](crate::http_service) the
/// request arrives built as `component!` builds it, Spin's `spin-*` headers already taken
/// out, so the two cost the same per request (docs/benchmarks.md). Under spin-sdk's own
/// `#[http_service]` (which converts every request through `http::request::Builder`,
/// parsing and copying each header name) it works the same, Spin's headers taken out here,
/// at about 12 % more instructions per request.
///
/// The router and the store bindings (the `EDGEZERO__*` overlay read from the component's
/// environment) are built on the first request of an instance and reused afterwards; stores
/// are opened lazily, at most once per request. Errors become JSON responses, so this
/// function does not fail.
pub async fn run_app<A: App>(req: spin_sdk::http::Request) -> anyhow::Result<WasiResponse> {
    let (mut parts, body) = req.into_parts();
    if parts.extensions.get::<SpinRequestInfo>().is_none() {
        // Converted by spin-sdk's `#[http_service]`: Spin's headers are still there.
        split_spin_headers(&mut parts.headers).attach_to(&mut parts.extensions);
    }
    let response = serve::<A>(parts, into_core_body(body, body_error)).await;
    Ok(respond::into_wasi_response(without_forbidden_headers(
        response,
    )))
}

/// The `wasi:http` handler of [`component!`](crate::component): the request head is built
/// from the `wasi:http` request directly, then the app runs as in [`run_app`].
#[doc(hidden)]
pub async fn handle<A: App>(req: WasiRequest) -> Result<WasiResponse, ErrorCode> {
    let parts = request_head(&req)?;
    let body = into_core_body(IncomingRequestBody::new(req)?, body_error);
    Ok(respond::into_wasi_response(without_forbidden_headers(
        serve::<A>(parts, body).await,
    )))
}

/// The SDK's request for the function under [`http_service`](crate::http_service), built as
/// [`handle`] builds the core request (so without Spin's headers, which are in its
/// extensions) instead of through `http::request::Builder`.
#[doc(hidden)]
pub fn sdk_request(req: WasiRequest) -> Result<spin_sdk::http::Request, ErrorCode> {
    let parts = request_head(&req)?;
    Ok(http::Request::from_parts(
        parts,
        IncomingRequestBody::new(req)?,
    ))
}

/// The request head from the `wasi:http` request: method, URI, the headers without Spin's,
/// and in its extensions `ClientAddr` and the [`SpinRequestInfo`].
fn request_head(req: &WasiRequest) -> Result<http::request::Parts, ErrorCode> {
    let method = http::Method::try_from(req.get_method())
        .map_err(|_| ErrorCode::HttpRequestMethodInvalid)?;
    let scheme = match req.get_scheme() {
        None => None,
        Some(Scheme::Http) => Some(http::uri::Scheme::HTTP),
        Some(Scheme::Https) => Some(http::uri::Scheme::HTTPS),
        Some(Scheme::Other(s)) => Some(s.parse().map_err(|_| ErrorCode::HttpRequestUriInvalid)?),
    };
    let uri = uri_from_parts(scheme, req.get_authority(), req.get_path_with_query())
        .map_err(|_| ErrorCode::HttpRequestUriInvalid)?;
    let (headers, spin) = headers_from_list(req.get_headers().copy_all())
        .map_err(|e| ErrorCode::InternalError(Some(e.to_string())))?;
    let (mut parts, ()) = http::Request::new(()).into_parts();
    parts.method = method;
    parts.uri = uri;
    parts.headers = headers;
    spin.attach_to(&mut parts.extensions);
    Ok(parts)
}

/// Runs `A` for a request taken apart.
async fn serve<A: App>(parts: http::request::Parts, body: Body) -> edgezero_core::Response {
    let instance = instance::<A>();
    match &instance.body_limit {
        Ok(limit) => {
            let stores = Stores::new(Arc::clone(&instance.bindings), provider::<A>());
            let ctx = RequestContext::from_parts(parts, body, stores).with_body_limit(*limit);
            #[cfg(feature = "outbound-http")]
            let ctx = match &instance.http_timeout {
                Ok(timeout) => ctx.with_http_client(http_client(*timeout)),
                Err(msg) => return EdgeError::internal(msg.clone()).into_response(),
            };
            instance.router.dispatch(ctx).await
        }
        Err(msg) => EdgeError::internal(msg.clone()).into_response(),
    }
}

/// Describes a request-body read error. Deliberately not `ErrorCode`'s `Display`, which is
/// its derived `Debug` over some forty variants and would cost kilobytes per component.
fn body_error(e: ErrorCode) -> String {
    crate::request::describe_body_error(match e {
        ErrorCode::ConnectionTerminated | ErrorCode::ConnectionReadTimeout => {
            crate::request::BodyReadError::ClientStopped
        }
        ErrorCode::HttpRequestBodySize(_) => crate::request::BodyReadError::LengthMismatch,
        ErrorCode::InternalError(Some(msg)) => crate::request::BodyReadError::Host(msg),
        _ => crate::request::BodyReadError::Host(String::new()),
    })
}

/// The real Spin host API.
struct Sdk;

/// With `wasi-keyvalue`, every key-value operation goes through `wasi:keyvalue` (a label
/// opens as a bucket, for plain reads and writes too), so the component does not import
/// `spin:key-value` at all: one set of bindings instead of two, and synchronous calls
/// instead of the SDK's per-call async task. Without it, `spin:key-value` alone.
#[cfg(feature = "wasi-keyvalue")]
impl SpinHost for Sdk {
    type Store = bucket::SdkBucket;
    type Bucket = bucket::SdkBucket;

    async fn open_store(&self, label: &str) -> Result<bucket::SdkBucket, SpinKvError> {
        bucket::SdkBucket::open(label)
    }

    fn open_bucket(&self, label: &str) -> Option<Result<bucket::SdkBucket, SpinKvError>> {
        Some(bucket::SdkBucket::open(label))
    }

    fn store_from_bucket(&self, bucket: &bucket::SdkBucket) -> Option<bucket::SdkBucket> {
        Some(bucket.clone())
    }

    fn bucket_from_store(&self, store: &bucket::SdkBucket) -> Option<bucket::SdkBucket> {
        Some(store.clone())
    }

    async fn variable(&self, name: &str) -> Result<String, VariableError> {
        variable(name).await
    }
}

#[cfg(not(feature = "wasi-keyvalue"))]
impl SpinHost for Sdk {
    type Store = SdkStore;
    type Bucket = crate::kv::NoBucket;

    async fn open_store(&self, label: &str) -> Result<SdkStore, SpinKvError> {
        Store::open(label).await.map(SdkStore).map_err(kv_error)
    }

    fn open_bucket(&self, _label: &str) -> Option<Result<crate::kv::NoBucket, SpinKvError>> {
        None
    }

    async fn variable(&self, name: &str) -> Result<String, VariableError> {
        variable(name).await
    }
}

async fn variable(name: &str) -> Result<String, VariableError> {
    spin_sdk::variables::get(name).await.map_err(|e| match e {
        SdkVarError::InvalidName(m) => VariableError::InvalidName(m),
        SdkVarError::Undefined(m) => VariableError::Undefined(m),
        SdkVarError::Provider(m) => VariableError::Provider(m),
        SdkVarError::Other(m) => VariableError::Other(m),
    })
}

#[cfg(not(feature = "wasi-keyvalue"))]
fn kv_error(e: SdkKvError) -> SpinKvError {
    match e {
        SdkKvError::StoreTableFull => SpinKvError::StoreTableFull,
        SdkKvError::NoSuchStore => SpinKvError::NoSuchStore,
        SdkKvError::AccessDenied => SpinKvError::AccessDenied,
        SdkKvError::Other(m) => SpinKvError::Other(m),
    }
}

#[cfg(not(feature = "wasi-keyvalue"))]
struct SdkStore(Store);

#[cfg(not(feature = "wasi-keyvalue"))]
impl KvBackend for SdkStore {
    type Keys = SdkKeys;

    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, SpinKvError> {
        self.0.get(key).await.map_err(kv_error)
    }

    async fn set(&self, key: &str, value: &[u8]) -> Result<(), SpinKvError> {
        self.0.set(key, value).await.map_err(kv_error)
    }

    async fn delete(&self, key: &str) -> Result<(), SpinKvError> {
        self.0.delete(key).await.map_err(kv_error)
    }

    async fn exists(&self, key: &str) -> Result<bool, SpinKvError> {
        self.0.exists(key).await.map_err(kv_error)
    }

    async fn get_keys(&self) -> SdkKeys {
        SdkKeys(self.0.get_keys().await)
    }
}

#[cfg(not(feature = "wasi-keyvalue"))]
struct SdkKeys(Keys);

#[cfg(not(feature = "wasi-keyvalue"))]
impl KeyStream for SdkKeys {
    async fn next_key(&mut self) -> Option<String> {
        self.0.next().await
    }

    async fn finish(self) -> Result<(), SpinKvError> {
        self.0.result().await.map_err(kv_error)
    }
}
