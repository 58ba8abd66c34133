//! Extractors that read the request head only: the client's address, the host, the matched
//! route, values set by middleware.

use std::net::IpAddr;

use super::{FromRequest, OptionalFromRequest};
use crate::context::RequestContext;
use crate::error::EdgeError;

/// The address of the client that sent the request, on every platform.
///
/// Each adapter fills it from what its platform knows — the native server from the TCP
/// peer, the Spin adapter from the `spin-client-addr` header the Spin runtime sets — and
/// removes the platform's own request headers before the app sees the request, so an app
/// never reads a platform header itself.
///
/// The address is the one the platform saw: behind a proxy of your own it is the proxy's.
/// `Option<ClientAddr>` is `None` when the adapter could not tell (a platform that does not
/// say, or a request built by hand in a test); `ClientAddr` then answers `500`.
///
/// ```
/// use edgezero_core::extract::ClientAddr;
///
/// async fn whoami(ClientAddr(ip): ClientAddr) -> String {
///     ip.to_string()
/// }
/// # let _ = edgezero_core::Router::new().get("/whoami", whoami);
/// ```
///
/// Adapters (and tests) set it as a request extension:
/// `request.extensions_mut().insert(ClientAddr(ip))`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ClientAddr(pub IpAddr);

impl FromRequest for ClientAddr {
    async fn from_request(ctx: &mut RequestContext) -> Result<Self, EdgeError> {
        ctx.extensions().get::<ClientAddr>().copied().ok_or_else(|| {
            EdgeError::internal(
                "the platform adapter supplied no client address; \
                 take Option<ClientAddr> where it may be unknown",
            )
        })
    }
}

/// `None` when the adapter supplied no client address.
impl OptionalFromRequest for ClientAddr {
    async fn from_request_optional(ctx: &mut RequestContext) -> Result<Option<Self>, EdgeError> {
        Ok(ctx.extensions().get::<ClientAddr>().copied())
    }
}
