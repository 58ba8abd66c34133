//! The {{name}} app: portable handlers, no platform types.

edgezero_core::app!("../../edgezero.toml");

/// Request handlers named in `edgezero.toml`.
pub mod handlers {
    use edgezero_core::extract::{Config, Kv, Path};
    use edgezero_core::{AppConfig, EdgeError, Json};
    use serde::Deserialize;
    use serde_json::{json, Value};

    /// The `app_config` store as a struct, read once per instance; `#[secret]` fields hold a
    /// secret's name in the config file and receive its value.
    #[derive(Debug, Deserialize, AppConfig)]
    pub struct Settings {
        /// `greeting`
        pub greeting: String,
        /// The `[service]` table.
        pub service: Service,
        /// Unset, or empty (spin.toml's `default = ""`), is `None`.
        #[secret]
        pub api_token: Option<String>,
    }

    /// `[service]` of the config file.
    #[derive(Debug, Deserialize)]
    pub struct Service {
        /// `service.timeout_ms`
        pub timeout_ms: u64,
    }

    /// `GET /`
    pub async fn hello() -> &'static str {
        "hello from {{name}}"
    }

    /// `GET /visits`: a counter in the default key-value store. `increment` is atomic, so
    /// requests that run at the same time each count.
    pub async fn visits(Kv(kv): Kv) -> Result<Json<Value>, EdgeError> {
        let visits = kv.increment("visits", 1).await?;
        Ok(Json(json!({ "visits": visits })))
    }

    /// `GET /config/<key>`: a value from the `app_config` store.
    pub async fn config(Config(config): Config, Path(key): Path<String>) -> Result<Json<Value>, EdgeError> {
        match config.get(&key).await? {
            Some(value) => Ok(Json(json!({ "key": key, "value": value }))),
            None => Err(EdgeError::not_found(format!("no config value `{key}`"))),
        }
    }

    /// `GET /settings`: the typed config; says whether the token is set, never its value.
    pub async fn settings(AppConfig(s): AppConfig<Settings>) -> Json<Value> {
        Json(json!({
            "greeting": s.greeting,
            "timeout_ms": s.service.timeout_ms,
            "api_token_set": s.api_token.is_some(),
        }))
    }
}

#[cfg(test)]
mod tests {
    use edgezero_testkit::{MemoryConfig, MemoryProvider, MemorySecrets, TestApp};

    fn app(secrets: MemorySecrets) -> TestApp {
        let config = MemoryConfig::new([("greeting", "hi"), ("service.timeout_ms", "2500"), ("api_token", "api_token")]);
        let provider = MemoryProvider::new().with_config("app_config", config).with_secrets("default", secrets);
        TestApp::for_app::<crate::App>(&|_| None).with_provider(provider)
    }

    #[test]
    fn routes_work() {
        let app = app(MemorySecrets::default());
        assert_eq!(app.get("/").text(), "hello from {{name}}");
        assert_eq!(app.get("/visits").json()["visits"], 1);
        assert_eq!(app.get("/visits").json()["visits"], 2);
        assert_eq!(app.get("/config/greeting").json()["value"], "hi");
        assert_eq!(app.get("/config/missing").status(), 404);
    }

    #[test]
    fn settings_are_typed() {
        let unset = app(MemorySecrets::default()).get("/settings").json();
        assert_eq!(unset, serde_json::json!({ "greeting": "hi", "timeout_ms": 2500, "api_token_set": false }));
        let set = app(MemorySecrets::new([("api_token", "s3cr3t")])).get("/settings");
        assert_eq!(set.json()["api_token_set"], true);
        assert!(!set.text().contains("s3cr3t"));
    }
}
