//! A key-value HTTP API: raw values under `/kv/<key>`, paged listing at `/kv`, config reads
//! at `/config/<key>`, `/secret-check/<name>`, which says whether a secret is set, and
//! `/settings`, the config read as a typed struct with a `#[secret]` field.

edgezero_core::app!("../../edgezero.toml");

/// Request handlers named in `edgezero.toml`.
pub mod handlers {
    use std::time::Duration;

    use edgezero_core::extract::{Config, Kv, Path, Query, Secrets};
    use edgezero_core::http::StatusCode;
    use edgezero_core::{AppConfig, Bytes, EdgeError, Json};
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

    /// The `app_config` store as a struct (read once per instance, see
    /// `edgezero_core::app_config`).
    #[derive(Debug, Deserialize, AppConfig)]
    pub struct Settings {
        /// `greeting`
        pub greeting: String,
        /// The `[service]` table.
        pub service: Service,
        /// `api_token = "API_TOKEN"` names the secret; this is its value.
        #[secret]
        pub api_token: String,
    }

    /// `[service]` of the config file.
    #[derive(Debug, Deserialize)]
    pub struct Service {
        /// `service.timeout_ms`
        pub timeout_ms: u64,
    }

    /// `GET /settings`: the typed config; says whether the token is set, never its value.
    pub async fn settings(AppConfig(s): AppConfig<Settings>) -> Json<Value> {
        Json(json!({
            "greeting": s.greeting,
            "timeout_ms": s.service.timeout_ms,
            "api_token_set": !s.api_token.is_empty(),
        }))
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

    const CONFIG: &[(&str, &str)] = &[
        ("greeting", "hi"),
        ("service.timeout_ms", "2500"),
        ("api_token", "API_TOKEN"),
    ];

    fn app_with(config: &[(&str, &str)], secrets: &[(&str, &str)]) -> TestApp {
        let provider = MemoryProvider::new()
            .with_config("app_config", MemoryConfig::new(config.iter().copied()))
            .with_secrets(
                "default",
                MemorySecrets::new(secrets.iter().map(|(k, v)| (*k, v.to_string()))),
            );
        TestApp::for_app::<crate::App>(&|_| None).with_provider(provider)
    }

    fn app() -> TestApp {
        app_with(CONFIG, &[("api_token", "t")])
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

    #[test]
    fn settings_are_typed_and_the_secret_never_leaves() {
        let app = app_with(CONFIG, &[("api_token", "s3cr3t-token")]);
        let resp = app.get("/settings");
        assert_eq!(resp.status(), 200, "{}", resp.text());
        assert_eq!(
            resp.json(),
            serde_json::json!({"greeting": "hi", "timeout_ms": 2500, "api_token_set": true})
        );
        assert!(!resp.text().contains("s3cr3t"));
        // Spin's `default = ""` gives a set, empty secret.
        let empty = app_with(CONFIG, &[("api_token", "")]);
        assert_eq!(empty.get("/settings").json()["api_token_set"], false);
    }

    #[test]
    fn settings_errors_are_503s_naming_the_key() {
        let message = |app: TestApp| {
            let resp = app.get("/settings");
            assert_eq!(resp.status(), 503, "{}", resp.text());
            resp.json()["error"]["message"]
                .as_str()
                .unwrap()
                .to_string()
        };
        let no_timeout = message(app_with(
            &[CONFIG[0], ("service.retries", "3"), CONFIG[2]],
            &[("api_token", "t")],
        ));
        assert!(
            no_timeout.contains("`service.timeout_ms` is missing"),
            "{no_timeout}"
        );
        let mistyped = message(app_with(
            &[CONFIG[0], ("service.timeout_ms", "soon"), CONFIG[2]],
            &[("api_token", "t")],
        ));
        assert!(
            mistyped.contains("`service.timeout_ms` is invalid"),
            "{mistyped}"
        );
        let no_secret = message(app_with(CONFIG, &[]));
        assert!(
            no_secret.contains("`api_token` names the secret `API_TOKEN`, which is not set"),
            "{no_secret}"
        );
    }
}
