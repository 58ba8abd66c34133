//! The app's `main`: the client's request to the app's router and back. A Fastly instance
//! serves one request, so everything is set up for it and dropped after.

use std::rc::Rc;
use std::sync::Arc;

use edgezero_core::extract::ClientAddr;
use edgezero_core::{env, App, EdgeError, RequestContext, StoreBindings, Stores};

use crate::client::FastlyHttp;
use crate::executor::{block_on, sleep};
use crate::provider::FastlyProvider;
use crate::request::{declared_length, head_size, into_core};
use crate::settings::Settings;

/// Runs `A` for the client's request (what [`main!`](crate::main) calls). Errors become
/// JSON responses.
pub fn run<A: App>() {
    let settings = Settings::open();
    let vars = |name: &str| settings.get(name);
    edgezero_core::logging::init(&vars);
    edgezero_core::timer::set_timer(sleep);
    let response = serve::<A>(fastly::Request::from_client(), &vars);
    crate::response::send(response);
}

fn serve<A: App>(
    req: fastly::Request,
    vars: &dyn Fn(&str) -> Option<String>,
) -> edgezero_core::Response {
    let limit = match env::resolve_max_body_bytes(vars) {
        Ok(limit) => limit,
        Err(msg) => return EdgeError::internal(msg).into_response(),
    };
    let timeout = match env::resolve_http_timeout(vars) {
        Ok(timeout) => timeout,
        Err(msg) => return EdgeError::internal(msg).into_response(),
    };
    if head_size(&req) > env::MAX_REQUEST_HEAD_BYTES {
        return EdgeError::new(
            http::StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            "request_header_fields_too_large",
            format!(
                "the request's headers are larger than {} bytes",
                env::MAX_REQUEST_HEAD_BYTES
            ),
        )
        .into_response();
    }
    let declared = declared_length(&req);
    if declared.is_some_and(|n| n > limit as u64) {
        return EdgeError::payload_too_large(limit).into_response();
    }
    let client = req.get_client_ip_addr();
    let (mut parts, body) = match into_core(req, declared) {
        Ok(r) => r,
        Err(e) => {
            return EdgeError::bad_request(format!("the request could not be read: {e}"))
                .into_response()
        }
    };
    if let Some(addr) = client {
        parts.extensions.insert(ClientAddr(addr));
    }
    let stores = Stores::new(
        Arc::new(StoreBindings::resolve(A::stores(), vars)),
        Rc::new(FastlyProvider::<A>::default()),
    );
    let ctx = RequestContext::from_parts(parts, body, stores)
        .with_body_limit(limit)
        .with_http_client(Rc::new(FastlyHttp { timeout }));
    block_on(A::router().dispatch(ctx))
}
