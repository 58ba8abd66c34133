//! A view counter: every `GET /counter` increments `views` in the default key-value store
//! and reports the path of the previous request.

edgezero_core::app!("../../edgezero.toml");

/// Request handlers named in `edgezero.toml`.
pub mod handlers {
    use edgezero_core::extract::Kv;
    use edgezero_core::http::Uri;
    use edgezero_core::{EdgeError, Json};
    use serde::{Deserialize, Serialize};

    /// The key that holds the counter state.
    pub const DATA_KEY: &str = "app-data";

    /// The persisted state.
    #[derive(Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
    pub struct Data {
        /// Number of requests seen, this one included.
        pub views: u64,
        /// Path of the request before this one.
        pub previous_request: String,
    }

    /// `GET /counter`
    pub async fn counter(Kv(kv): Kv, uri: Uri) -> Result<Json<Data>, EdgeError> {
        let mut data: Data = kv.get_json(DATA_KEY).await?.unwrap_or_default();
        data.views += 1;
        let shown = Data {
            views: data.views,
            previous_request: data.previous_request.clone(),
        };
        data.previous_request = uri.path().to_string();
        kv.put_json(DATA_KEY, &data).await?;
        Ok(Json(shown))
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
