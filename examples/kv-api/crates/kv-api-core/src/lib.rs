//! A key-value HTTP API: raw values under `/kv/<key>`, paged listing at `/kv`, config reads
//! at `/config/<key>`, and `/secret-check/<name>`, which says whether a secret is set.

edgezero_core::app!("../../edgezero.toml");

/// Request handlers named in `edgezero.toml`.
pub mod handlers {
    use std::time::Duration;

    use edgezero_core::extract::{Config, Kv, Path, Query, Secrets};
    use edgezero_core::http::StatusCode;
    use edgezero_core::{Bytes, EdgeError, Json};
    use serde::Deserialize;
    use serde_json::{json, Value};

    /// `GET /kv/<key>`: the stored bytes, or 404.
    pub async fn get(Kv(kv): Kv, Path(key): Path<String>) -> Result<Bytes, EdgeError> {
        kv.get_bytes(&key)
            .await?
            .ok_or_else(|| EdgeError::not_found(format!("no value under `{key}`")))
    }

    /// `POST /kv/<key>`: stores the body.
    pub async fn post(
        Kv(kv): Kv,
        Path(key): Path<String>,
        body: Bytes,
    ) -> Result<StatusCode, EdgeError> {
        kv.put_bytes(&key, body).await?;
        Ok(StatusCode::CREATED)
    }

    /// Query of `PUT /kv/<key>`.
    #[derive(Debug, Deserialize)]
    pub struct PutQuery {
        /// Expiry in seconds (60 to 31536000).
        pub ttl: Option<u64>,
    }

    /// `PUT /kv/<key>[?ttl=<seconds>]`: stores the body, with an expiry when `ttl` is given.
    pub async fn put(
        Kv(kv): Kv,
        Path(key): Path<String>,
        Query(q): Query<PutQuery>,
        body: Bytes,
    ) -> Result<StatusCode, EdgeError> {
        match q.ttl {
            Some(secs) => {
                kv.put_bytes_with_ttl(&key, body, Duration::from_secs(secs))
                    .await?
            }
            None => kv.put_bytes(&key, body).await?,
        }
        Ok(StatusCode::CREATED)
    }

    /// `DELETE /kv/<key>`
    pub async fn delete(Kv(kv): Kv, Path(key): Path<String>) -> Result<StatusCode, EdgeError> {
        kv.delete(&key).await?;
        Ok(StatusCode::NO_CONTENT)
    }

    /// Query of `GET /kv`.
    #[derive(Debug, Deserialize)]
    pub struct ListQuery {
        /// Only keys starting with this.
        #[serde(default)]
        pub prefix: String,
        /// The cursor of the previous page.
        pub cursor: Option<String>,
        /// Page size, 1 to 1000 (default 100).
        pub limit: Option<usize>,
    }

    /// `GET /kv?prefix=&cursor=&limit=`: `{"keys": [...], "cursor": "..." | null}`.
    pub async fn list(Kv(kv): Kv, Query(q): Query<ListQuery>) -> Result<Json<Value>, EdgeError> {
        let cursor = q.cursor.as_deref().filter(|c| !c.is_empty());
        let page = kv
            .list_keys_page(&q.prefix, cursor, q.limit.unwrap_or(100))
            .await?;
        Ok(Json(json!({ "keys": page.keys, "cursor": page.cursor })))
    }

    /// `GET /config/<key>`: `{"key": ..., "value": ...}`, or 404.
    pub async fn config(
        Config(config): Config,
        Path(key): Path<String>,
    ) -> Result<Json<Value>, EdgeError> {
        match config.get(&key).await? {
            Some(value) => Ok(Json(json!({ "key": key, "value": value }))),
            None => Err(EdgeError::not_found(format!("no config value `{key}`"))),
        }
    }

    /// `GET /secret-check/<name>`: `{"name": ..., "set": true|false}`; never the value.
    pub async fn secret_check(
        Secrets(secrets): Secrets,
        Path(name): Path<String>,
    ) -> Result<Json<Value>, EdgeError> {
        let set = secrets.is_set(&name).await?;
        Ok(Json(json!({ "name": name, "set": set })))
    }
}

#[cfg(test)]
mod tests {
    use edgezero_testkit::{MemoryConfig, MemoryProvider, MemorySecrets, TestApp};

    fn app() -> TestApp {
        let provider = MemoryProvider::new()
            .with_config(
                "app_config",
                MemoryConfig::new([("service.timeout_ms", "2500")]),
            )
            .with_secrets("default", MemorySecrets::new([("api_token", "t")]));
        TestApp::for_app::<crate::App>(&|_| None).with_provider(provider)
    }

    #[test]
    fn value_lifecycle() {
        let app = app();
        assert_eq!(app.get("/kv/a/b").status(), 404);
        assert_eq!(app.request("HEAD", "/kv/a/b", "").status(), 404);
        assert_eq!(app.request("POST", "/kv/a/b", "hello").status(), 201);
        assert_eq!(app.get("/kv/a/b").text(), "hello");
        assert_eq!(app.request("HEAD", "/kv/a/b", "").status(), 200);
        assert_eq!(app.request("DELETE", "/kv/a/b", "").status(), 204);
        assert_eq!(app.get("/kv/a/b").status(), 404);
    }

    #[test]
    fn ttl_and_listing() {
        let app = app();
        assert_eq!(app.request("PUT", "/kv/t?ttl=120", "v").status(), 201);
        assert_eq!(app.request("PUT", "/kv/t?ttl=5", "v").status(), 400);
        for i in 0..5 {
            app.request("POST", &format!("/kv/p:{i}"), "v");
        }
        let page = app.get("/kv?prefix=p:&limit=3").json();
        assert_eq!(page["keys"], serde_json::json!(["p:0", "p:1", "p:2"]));
        let cursor = page["cursor"].as_str().unwrap().to_string();
        let next = app
            .get(&format!("/kv?prefix=p:&limit=3&cursor={cursor}"))
            .json();
        assert_eq!(next["keys"], serde_json::json!(["p:3", "p:4"]));
        assert!(next["cursor"].is_null());
        assert_eq!(
            app.get(&format!("/kv?prefix=q:&cursor={cursor}")).status(),
            400
        );
        assert_eq!(app.get("/kv?limit=0").status(), 400);
    }

    #[test]
    fn config_and_secrets() {
        let app = app();
        assert_eq!(
            app.get("/config/service.timeout_ms").json()["value"],
            "2500"
        );
        assert_eq!(app.get("/config/missing").status(), 404);
        assert_eq!(app.get("/secret-check/api_token").json()["set"], true);
        assert_eq!(app.get("/secret-check/other").json()["set"], false);
    }
}
