//! An edge gateway in front of one origin:
//!
//! - `/api/<path>` (every method) is forwarded to `<origin.base_url>/<path>?<query>` with the
//!   reverse-proxy rules of `edgezero_core::fetch` (hop-by-hop headers dropped,
//!   `x-forwarded-for/-host/-proto` set), and the origin's answer, repeated `Set-Cookie`
//!   included, comes back with `x-edge: edgezero` added. Both bodies stream: nothing is
//!   collected, so a 50 MiB upload or download costs a few chunks of memory. Uploads are held
//!   to the request body limit (`EDGEZERO__ADAPTER__MAX_BODY_BYTES`, 64 MiB in this
//!   example's edgezero.toml and spin.toml; 413 past it).
//! - `GET /status` fetches `<origin.base_url>/health` and answers
//!   `{"origin", "healthy", "status", "latency_ms", "error"}`: 200 when the origin answers
//!   2xx, else 503.
//!
//! The origin is the config entry `origin.base_url` (see config/app_config.toml). Without it,
//! or with a value that is not an absolute http(s) URL, both routes answer 503 naming the
//! key. An unreachable origin is a 502, one that does not answer in time a 504.

edgezero_core::app!("../../edgezero.toml");

/// Request handlers named in `edgezero.toml`.
pub mod handlers {

    use edgezero_core::extract::ClientAddr;
    use edgezero_core::fetch::{check_url, Client, HttpHandle};
    use edgezero_core::http::{HeaderValue, StatusCode, Uri};
    use edgezero_core::{AppConfig, EdgeError, IntoResponse, Json, Request, Response};
    use serde::Deserialize;
    use serde_json::json;

    /// The `app_config` store as a struct.
    #[derive(Debug, Deserialize, AppConfig)]
    pub struct Settings {
        /// The `[origin]` table.
        pub origin: Origin,
    }

    /// `[origin]` of the config file.
    #[derive(Debug, Deserialize)]
    pub struct Origin {
        /// `origin.base_url`: where `/api/<path>` goes.
        pub base_url: String,
    }

    impl Settings {
        /// The origin's base URL, or a 503 naming the key when it is not a usable URL.
        fn origin(&self) -> Result<&str, EdgeError> {
            let url = self.origin.base_url.trim();
            match url.parse::<Uri>() {
                Ok(uri) if check_url(&uri).is_ok() => Ok(url),
                _ => Err(EdgeError::unavailable(format!(
                    "config entry `origin.base_url` must be an absolute http:// or https:// URL, got `{url}`"
                ))),
            }
        }
    }

    /// `ANY /api/<path>`: the origin's answer to the same request, streamed through; the
    /// client's address (on every platform, from its adapter) is appended to
    /// `x-forwarded-for`.
    pub async fn api(
        AppConfig(settings): AppConfig<Settings>,
        Client(http): Client,
        caller: Option<ClientAddr>,
        request: Request,
    ) -> Result<Response, EdgeError> {
        let caller = caller.map(|ClientAddr(ip)| ip.to_string());
        forward(&http, settings.origin()?, caller.as_deref(), request).await
    }

    /// Forwards `request` (for `/api/<path>`) to `<origin>/<path>` and returns the answer with
    /// `x-edge: edgezero`; `caller` is appended to `x-forwarded-for`.
    pub async fn forward(
        http: &HttpHandle,
        origin: &str,
        caller: Option<&str>,
        request: Request,
    ) -> Result<Response, EdgeError> {
        // The raw path, still percent-encoded, so the origin sees what the caller sent.
        let rest = request
            .uri()
            .path()
            .strip_prefix("/api")
            .unwrap_or_default()
            .to_string();
        let mut response = http.proxy(request, origin, &rest, caller).await?;
        response
            .headers_mut()
            .insert("x-edge", HeaderValue::from_static("edgezero"));
        Ok(response)
    }

    /// `GET /status`: whether `<origin>/health` answers 2xx, and how fast.
    pub async fn status(
        AppConfig(settings): AppConfig<Settings>,
        Client(http): Client,
    ) -> Result<Response, EdgeError> {
        let origin = settings.origin()?;
        let url = format!("{}/health", origin.trim_end_matches('/'));
        // The platform's clock: `std::time::Instant` does not run in a Cloudflare Worker.
        let started = edgezero_core::timer::now();
        let (status, error) = match http.get(&url).await {
            Ok(resp) => {
                let status = resp.status();
                // Read the (small) answer so the connection can be reused.
                let _ = resp.into_body().collect(64 * 1024).await;
                (Some(status), None)
            }
            Err(e) => (None, Some(e.to_string())),
        };
        let elapsed = edgezero_core::timer::now().saturating_sub(started);
        let latency_ms = u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX);
        let healthy = status.is_some_and(|s| s.is_success());
        let code = if healthy {
            StatusCode::OK
        } else {
            StatusCode::SERVICE_UNAVAILABLE
        };
        let report = json!({
            "origin": origin,
            "healthy": healthy,
            "status": status.map(|s| s.as_u16()),
            "latency_ms": latency_ms,
            "error": error,
        });
        Ok((code, Json(report)).into_response())
    }
}

#[cfg(test)]
mod tests;
