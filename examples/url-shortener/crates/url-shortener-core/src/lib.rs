//! A URL shortener: `POST /create` stores a link under a random short code, `GET /<short>`
//! redirects to it, `GET /all` lists every link.

edgezero_core::app!("../../edgezero.toml");

/// Request handlers named in `edgezero.toml`.
pub mod handlers {
    use std::collections::BTreeMap;

    use edgezero_core::extract::{Kv, Path};
    use edgezero_core::{EdgeError, Json, Redirect};
    use serde::{Deserialize, Serialize};

    /// Short codes are stored under this prefix, so other data can share the store.
    pub const LINK_PREFIX: &str = "link:";
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    const SHORT_LEN: usize = 5;

    /// `POST /create` body.
    #[derive(Debug, Deserialize)]
    pub struct CreateLink {
        /// The long URL.
        pub url: String,
    }

    /// `POST /create` answer.
    #[derive(Debug, Serialize)]
    pub struct LinkCreated {
        /// The long URL.
        pub url: String,
        /// The short code.
        pub short: String,
    }

    fn short_code() -> Result<String, EdgeError> {
        let mut bytes = [0u8; SHORT_LEN];
        getrandom::fill(&mut bytes)
            .map_err(|e| EdgeError::internal(format!("no randomness: {e}")))?;
        Ok(bytes
            .iter()
            .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char)
            .collect())
    }

    /// `POST /create`
    pub async fn create(
        Kv(kv): Kv,
        Json(link): Json<CreateLink>,
    ) -> Result<Json<LinkCreated>, EdgeError> {
        let url = link.url.trim().to_string();
        if !(url.starts_with("http://") || url.starts_with("https://")) || url.len() > 4096 {
            return Err(EdgeError::bad_request(
                "`url` must be an http:// or https:// URL of at most 4096 bytes",
            ));
        }
        let mut short = short_code()?;
        while kv.exists(&format!("{LINK_PREFIX}{short}")).await? {
            short = short_code()?;
        }
        kv.put_bytes(&format!("{LINK_PREFIX}{short}"), url.clone())
            .await?;
        Ok(Json(LinkCreated { url, short }))
    }

    /// `GET /<short>`: 308 to the long URL, or 404.
    pub async fn open(Kv(kv): Kv, Path(short): Path<String>) -> Result<Redirect, EdgeError> {
        match kv.get_bytes(&format!("{LINK_PREFIX}{short}")).await? {
            Some(url) => Ok(Redirect::permanent(
                String::from_utf8_lossy(&url).into_owned(),
            )),
            None => Err(EdgeError::not_found(format!(
                "no link with short code `{short}`"
            ))),
        }
    }

    /// `GET /all`: every link, as `{"<short>": "<url>"}`.
    pub async fn all(Kv(kv): Kv) -> Result<Json<BTreeMap<String, String>>, EdgeError> {
        let mut links = BTreeMap::new();
        let mut cursor: Option<String> = None;
        loop {
            let page = kv
                .list_keys_page(LINK_PREFIX, cursor.as_deref(), 1000)
                .await?;
            for key in &page.keys {
                if let Some(url) = kv.get_bytes(key).await? {
                    let short = key.trim_start_matches(LINK_PREFIX).to_string();
                    links.insert(short, String::from_utf8_lossy(&url).into_owned());
                }
            }
            match page.cursor {
                Some(c) => cursor = Some(c),
                None => break,
            }
        }
        Ok(Json(links))
    }
}

#[cfg(test)]
mod tests {
    use edgezero_core::Body;
    use edgezero_testkit::TestApp;

    fn create(app: &TestApp, body: &str) -> edgezero_testkit::TestResponse {
        app.send(
            edgezero_core::http::Request::post("/create")
                .header("content-type", "application/json")
                .body(Body::from(body.to_string()))
                .unwrap(),
        )
    }

    #[test]
    fn create_open_and_list() {
        let app = TestApp::for_app::<crate::App>(&|_| None);
        let created = create(&app, r#"{"url": "https://example.com/a"}"#);
        assert_eq!(created.status(), 200);
        let short = created.json()["short"].as_str().unwrap().to_string();
        assert_eq!(short.len(), 5);
        let open = app.get(&format!("/{short}"));
        assert_eq!(open.status(), 308);
        assert_eq!(open.header("location"), Some("https://example.com/a"));
        assert_eq!(
            app.get("/all").json(),
            serde_json::json!({ short: "https://example.com/a" })
        );
    }

    #[test]
    fn errors() {
        let app = TestApp::for_app::<crate::App>(&|_| None);
        assert_eq!(app.get("/nope1").status(), 404);
        assert_eq!(create(&app, "{bad").status(), 400);
        assert_eq!(create(&app, r#"{"url": "ftp://x"}"#).status(), 400);
        assert_eq!(app.get("/all").json(), serde_json::json!({}));
    }
}
