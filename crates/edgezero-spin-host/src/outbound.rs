//! Outbound HTTP from a component: Spin's `allowed_outbound_hosts` check, and where each
//! request goes (the network, the app's own routes, or one component: [`Target`]).

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, OnceLock, Weak};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::combinators::UnsyncBoxBody;
use wasmtime_wasi_http::p3::bindings::http::types::ErrorCode;
use wasmtime_wasi_http::p3::{RequestOptions, WasiHttpHooks};

use edgezero_spin_manifest::outbound::AllowedHost;

/// The suffix of service-chaining hosts.
pub const CHAINING_SUFFIX: &str = ".spin.internal";
/// The host SDKs that need an authority use for self requests.
pub const SELF_HOST: &str = "self.alt";

/// Where an outbound request goes.
#[derive(Debug, PartialEq, Eq)]
pub enum Target {
    /// The app's own routes.
    SelfApp,
    /// One component, by id.
    Component(String),
    /// Anywhere else.
    Network,
}

/// Classifies an outbound request's URI as Spin does.
pub fn target(uri: &http::Uri) -> Target {
    match uri.host() {
        None | Some("") | Some(SELF_HOST) => Target::SelfApp,
        Some(host) => match host.strip_suffix(CHAINING_SUFFIX) {
            Some(id) if !id.is_empty() => Target::Component(id.to_string()),
            _ => Target::Network,
        },
    }
}

/// Where a component's requests to the app itself are served: the app's server
/// ([`crate::internal`] implements it for the server's app).
pub trait InternalApp: Send + Sync {
    /// Serves `request` for `target` (the app's routes or one component), waiting at most
    /// `first_byte_timeout` for the answer's head; the response body streams from the
    /// target component.
    fn send(
        self: Arc<Self>,
        target: Target,
        request: http::Request<HostBody>,
        first_byte_timeout: Option<Duration>,
    ) -> Pin<Box<dyn Future<Output = Result<http::Response<HostBody>, ErrorCode>> + Send>>;
}

/// The app, once loaded: components' outbound hooks are created before the app they belong
/// to, so they reach it through this slot.
#[derive(Default)]
pub struct AppSlot(OnceLock<Weak<dyn InternalApp>>);

impl AppSlot {
    /// Fills the slot (once).
    pub fn set<A: InternalApp + 'static>(&self, app: &Arc<A>) {
        let app: Weak<dyn InternalApp> = Arc::downgrade(app) as Weak<A>;
        let _ = self.0.set(app);
    }

    /// Serves a request to the app itself (see [`InternalApp::send`]); an error once the
    /// app is gone.
    async fn send(
        &self,
        target: Target,
        request: http::Request<HostBody>,
        first_byte_timeout: Option<Duration>,
    ) -> Result<http::Response<HostBody>, ErrorCode> {
        let app = self
            .0
            .get()
            .and_then(Weak::upgrade)
            .ok_or_else(|| ErrorCode::InternalError(Some("the app is shutting down".into())))?;
        app.send(target, request, first_byte_timeout).await
    }
}

/// Outbound HTTP as Spin allows it: a request goes out only when an entry of the
/// component's `allowed_outbound_hosts` allows its scheme, host and port; otherwise the
/// guest gets `http-request-denied` (an error, never a trap) and the host logs one line
/// naming the component, the URL and the entry to add. Requests to the app itself (self
/// requests, service chaining) are served in the process ([`crate::internal`]).
pub struct OutboundHttp {
    component: String,
    allowed: Arc<Vec<AllowedHost>>,
    app: Arc<AppSlot>,
}

impl OutboundHttp {
    /// The hooks of one instance of `component`.
    pub fn new(component: String, allowed: Arc<Vec<AllowedHost>>, app: Arc<AppSlot>) -> Self {
        OutboundHttp {
            component,
            allowed,
            app,
        }
    }

    fn check(&self, uri: &http::Uri, target: &Target) -> anyhow::Result<()> {
        let (host, scheme, port) = (
            uri.host().unwrap_or_default(),
            uri.scheme_str().unwrap_or("http"),
            uri.port_u16(),
        );
        let allowed = match target {
            Target::SelfApp => self.allowed.iter().any(AllowedHost::allows_self),
            _ => self.allowed.iter().any(|a| a.allows(scheme, host, port)),
        };
        if allowed {
            return Ok(());
        }
        let (what, entry) = match target {
            Target::SelfApp => (format!("the app itself ({uri})"), "http://self".to_string()),
            _ => (
                uri.to_string(),
                edgezero_spin_manifest::outbound::entry_for(scheme, host, port),
            ),
        };
        Err(anyhow::anyhow!(
            "component \"{}\" sent a request to {what}: denied; allow it with allowed_outbound_hosts = [\"{entry}\"] under [component.{}] in spin.toml",
            self.component,
            edgezero_spin_manifest::ids::toml_key(&self.component)
        ))
    }
}

type HostBody = UnsyncBoxBody<Bytes, ErrorCode>;

type SendFuture = Box<
    dyn std::future::Future<
            Output = Result<
                (
                    http::Response<HostBody>,
                    Box<dyn std::future::Future<Output = Result<(), ErrorCode>> + Send>,
                ),
                wasmtime_wasi::TrappableError<ErrorCode>,
            >,
        > + Send,
>;

impl WasiHttpHooks for OutboundHttp {
    fn send_request(
        &mut self,
        request: http::Request<HostBody>,
        options: Option<RequestOptions>,
        _fut: Box<dyn std::future::Future<Output = Result<(), ErrorCode>> + Send>,
    ) -> SendFuture {
        let target = target(request.uri());
        if let Err(denied) = self.check(request.uri(), &target) {
            log::warn!("{denied}");
            return Box::new(std::future::ready(Err(ErrorCode::HttpRequestDenied.into())));
        }
        if target != Target::Network {
            let slot = Arc::clone(&self.app);
            return Box::new(async move {
                let first_byte = options.and_then(|o| o.first_byte_timeout);
                let res = slot.send(target, request, first_byte).await?;
                Ok((
                    res,
                    Box::new(async { Ok(()) })
                        as Box<dyn std::future::Future<Output = Result<(), ErrorCode>> + Send>,
                ))
            });
        }
        Box::new(async move {
            use http_body_util::BodyExt;
            let (res, io) = wasmtime_wasi_http::p3::default_send_request(request, options).await?;
            Ok((
                res.map(BodyExt::boxed_unsync),
                Box::new(io) as Box<dyn std::future::Future<Output = Result<(), ErrorCode>> + Send>,
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_follow_spins_rules() {
        let t = |u: &str| format!("{:?}", target(&u.parse().unwrap()));
        assert_eq!(t("/api/x?q=1"), "SelfApp");
        assert_eq!(t("http://self.alt/api"), "SelfApp");
        assert_eq!(
            t("http://counter.spin.internal/x"),
            "Component(\"counter\")"
        );
        assert_eq!(t("https://a.b.spin.internal/"), "Component(\"a.b\")");
        assert_eq!(t("http://.spin.internal/"), "Network");
        assert_eq!(t("http://example.com/"), "Network");
        assert_eq!(t("http://self/"), "Network");
    }
}
