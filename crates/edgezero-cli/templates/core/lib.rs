//! The {{name}} app: portable handlers, no platform types.

edgezero_core::app!("../../edgezero.toml");

/// Request handlers named in `edgezero.toml`.
pub mod handlers {
    use edgezero_core::extract::{Config, Kv, Path};
    use edgezero_core::{EdgeError, Json};
    use serde_json::{json, Value};

    /// `GET /`
    pub async fn hello() -> &'static str {
        "hello from {{name}}"
    }

    /// `GET /visits`: a counter in the default key-value store.
    pub async fn visits(Kv(kv): Kv) -> Result<Json<Value>, EdgeError> {
        let visits = kv.get_json::<u64>("visits").await?.unwrap_or(0) + 1;
        kv.put_json("visits", &visits).await?;
        Ok(Json(json!({ "visits": visits })))
    }

    /// `GET /config/<key>`: a value from the `app_config` store.
    pub async fn config(Config(config): Config, Path(key): Path<String>) -> Result<Json<Value>, EdgeError> {
        match config.get(&key).await? {
            Some(value) => Ok(Json(json!({ "key": key, "value": value }))),
            None => Err(EdgeError::not_found(format!("no config value `{key}`"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use edgezero_testkit::{MemoryConfig, MemoryProvider, TestApp};

    #[test]
    fn routes_work() {
        let provider = MemoryProvider::new().with_config("app_config", MemoryConfig::new([("greeting", "hi")]));
        let app = TestApp::for_app::<crate::App>(&|_| None).with_provider(provider);
        assert_eq!(app.get("/").text(), "hello from {{name}}");
        assert_eq!(app.get("/visits").json()["visits"], 1);
        assert_eq!(app.get("/visits").json()["visits"], 2);
        assert_eq!(app.get("/config/greeting").json()["value"], "hi");
        assert_eq!(app.get("/config/missing").status(), 404);
    }
}
