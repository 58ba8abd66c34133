//! The Worker's `fetch` handler: the request from workerd to the app's router and back.

use std::cell::OnceCell;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use edgezero_core::extract::ClientAddr;
use edgezero_core::fetch::HttpClient;
use edgezero_core::store::StoreProvider;
use edgezero_core::timer::Sleep;
use edgezero_core::{env, App, Body, EdgeError, RequestContext, Router, StoreBindings, Stores};
use wasm_bindgen::JsValue;

use crate::client::WorkerHttp;
use crate::provider::WorkerProvider;
use crate::request::{client_addr, declared_length};

/// What an isolate builds on its first request and reuses afterwards.
struct Instance {
    router: Router,
    bindings: Arc<StoreBindings>,
    body_limit: Result<usize, env::EnvError>,
    http: Result<Rc<dyn HttpClient>, env::EnvError>,
    provider: Rc<dyn StoreProvider>,
}

thread_local! {
    /// One per isolate (a Worker's isolate has one thread).
    static INSTANCE: OnceCell<Rc<Instance>> = const { OnceCell::new() };
}

fn instance<A: App>(worker_env: &worker::Env) -> Rc<Instance> {
    INSTANCE.with(|slot| {
        Rc::clone(slot.get_or_init(|| {
            let vars = |name: &str| worker_env.var(name).ok().map(|v| v.to_string());
            crate::logging::init(&vars);
            edgezero_core::timer::set_timer(delay);
            edgezero_core::timer::set_clock(clock);
            edgezero_core::timer::set_wall_clock(clock);
            Rc::new(Instance {
                router: A::router(),
                bindings: Arc::new(StoreBindings::resolve(A::stores(), &vars)),
                body_limit: env::resolve_max_body_bytes(&vars),
                http: env::resolve_http_timeout(&vars)
                    .map(|timeout| Rc::new(WorkerHttp { timeout }) as Rc<dyn HttpClient>),
                provider: Rc::new(WorkerProvider::<A>::new(worker_env.clone())),
            })
        }))
    })
}

/// `std::time::Instant` and `SystemTime` panic on `wasm32-unknown-unknown`: the Workers clock
/// (`Date.now()`, time since the Unix epoch, which advances between I/O operations) serves as
/// both.
fn clock() -> Duration {
    Duration::from_secs_f64(js_sys::Date::now().max(0.0) / 1000.0)
}

fn delay(duration: Duration) -> Option<Sleep> {
    Some(Box::pin(worker::Delay::from(duration)))
}

/// Runs `A` for one request (what [`worker!`](crate::worker) exports as `fetch`). Errors
/// become JSON responses; only a response workerd cannot take fails.
pub async fn handle<A: App>(
    req: web_sys::Request,
    worker_env: worker::Env,
) -> Result<web_sys::Response, JsValue> {
    let instance = instance::<A>(&worker_env);
    let response = match crate::request::from_worker(&req) {
        Ok((parts, body)) => serve(&instance, parts, body).await,
        Err(e) => {
            EdgeError::bad_request(format!("the request could not be read: {e}")).into_response()
        }
    };
    crate::response::into_worker(response)
}

async fn serve(
    instance: &Instance,
    mut parts: http::request::Parts,
    body: Option<web_sys::ReadableStream>,
) -> edgezero_core::Response {
    let limit = match &instance.body_limit {
        Ok(limit) => *limit,
        Err(msg) => return EdgeError::internal(msg.clone()).into_response(),
    };
    let declared = declared_length(&parts.headers);
    if declared.is_some_and(|n| n > limit as u64) {
        return EdgeError::payload_too_large(limit).into_response();
    }
    if let Some(addr) = client_addr(&parts.headers) {
        parts.extensions.insert(ClientAddr(addr));
    }
    let stores = Stores::new(
        Arc::clone(&instance.bindings),
        Rc::clone(&instance.provider),
    );
    let body = match body {
        Some(stream) if declared != Some(0) => Body::from_stream(worker::Body::new(stream)),
        _ => Body::Empty,
    };
    let ctx = RequestContext::from_parts(parts, body, stores).with_body_limit(limit);
    let ctx = match &instance.http {
        Ok(client) => ctx.with_http_client(Rc::clone(client)),
        Err(msg) => return EdgeError::internal(msg.clone()).into_response(),
    };
    instance.router.dispatch(ctx).await
}
