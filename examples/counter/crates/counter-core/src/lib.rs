//! A view counter: every `GET /counter` counts one view in the default key-value store and
//! reports the path of the previous request.
//!
//! The seed's counter read one JSON document, added one and wrote it back, so requests that
//! ran at the same time (Spin runs up to 16 per instance, and several instances) overwrote
//! each other and views were lost. Here both parts are atomic:
//!
//! - `views` is a counter ([`KvHandle::increment`](edgezero_core::store::kv::KvHandle)), kept
//!   as Spin keeps counters (8 little-endian bytes);
//! - `previous-request` is swapped with compare-and-swap
//!   ([`KvHandle::exchange`](edgezero_core::store::kv::KvHandle)): each request stores its own
//!   path and gets the one it replaced. (On Spin's SQLite store the very first requests, which
//!   find the key absent, may each see no previous request: Spin writes an absent key with an
//!   upsert. Every later swap is exact.)
//!
//! On Spin this needs `wasi:keyvalue`, which the Spin component enables with the
//! `wasi-keyvalue` feature of `edgezero-adapter-spin`.

edgezero_core::app!("../../edgezero.toml");

/// Request handlers named in `edgezero.toml`.
pub mod handlers {
    use edgezero_core::extract::Kv;
    use edgezero_core::http::Uri;
    use edgezero_core::{EdgeError, Json};
    use serde::{Deserialize, Serialize};

    /// The counter of views.
    pub const VIEWS_KEY: &str = "views";
    /// The path of the latest request.
    pub const PREVIOUS_KEY: &str = "previous-request";

    /// The answer.
    #[derive(Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
    pub struct Data {
        /// Number of requests seen, this one included.
        pub views: i64,
        /// Path of the request before this one.
        pub previous_request: String,
    }

    /// `GET /counter`
    pub async fn counter(Kv(kv): Kv, uri: Uri) -> Result<Json<Data>, EdgeError> {
        let views = kv.increment(VIEWS_KEY, 1).await?;
        let previous = kv.exchange(PREVIOUS_KEY, uri.path().to_string()).await?;
        Ok(Json(Data {
            views,
            previous_request: previous
                .map(|p| String::from_utf8_lossy(&p).into_owned())
                .unwrap_or_default(),
        }))
    }
}

#[cfg(test)]
mod tests {
    use edgezero_testkit::TestApp;

    #[test]
    fn counts_views_and_remembers_the_previous_path() {
        let app = TestApp::for_app::<crate::App>(&|_| None);
        let first = app.get("/counter?x=1").json();
        assert_eq!(
            first,
            serde_json::json!({"views": 1, "previous_request": ""})
        );
        let second = app.get("/counter").json();
        assert_eq!(
            second,
            serde_json::json!({"views": 2, "previous_request": "/counter"})
        );
    }
}
