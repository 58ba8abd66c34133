//! `AppConfig<C>`: typed config from the config store, `#[secret]` fields from the secret
//! store, cached per instance and reloaded when `config.version` changes.

use edgezero_core::app_config::{ConfigSchema, SecretField, VERSION_KEY};
use edgezero_core::store::{StoreIds, StoreMetadata};
use edgezero_core::{AppConfig, Router};
use edgezero_testkit::{MemoryConfig, MemoryProvider, MemorySecrets, TestApp};
use serde::Deserialize;

#[derive(Debug, Deserialize, edgezero_core::AppConfig)]
struct Settings {
    service: Service,
    #[secret]
    api_token: String,
    #[secret]
    webhook_key: Option<String>,
}

#[derive(Debug, Deserialize, edgezero_core::AppConfig)]
struct Service {
    timeout_ms: u64,
    base_url: String,
    #[secret]
    #[serde(rename = "key")]
    service_key: Option<String>,
}

/// A second config type over the same store, cached on its own.
#[derive(Debug, Deserialize, edgezero_core::AppConfig)]
struct Greeting {
    greeting: String,
}

const STORES: StoreMetadata = StoreMetadata {
    config: StoreIds {
        ids: &["app_config"],
        default: None,
    },
    secrets: StoreIds {
        ids: &["default"],
        default: None,
    },
    ..StoreMetadata::NONE
};

async fn settings(AppConfig(s): AppConfig<Settings>) -> String {
    format!(
        "{} {} token={} hook={:?} key={:?}",
        s.service.timeout_ms, s.service.base_url, s.api_token, s.webhook_key, s.service.service_key
    )
}

async fn greeting(c: AppConfig<Greeting>) -> String {
    c.greeting.clone()
}

const ENTRIES: &[(&str, &str)] = &[
    ("service.timeout_ms", "2500"),
    ("service.base_url", "https://api.example.com"),
    ("api_token", "api_token"),
    ("greeting", "hi"),
];

fn entries(changes: &[(&'static str, Option<&'static str>)]) -> MemoryConfig {
    let mut out = ENTRIES.to_vec();
    for (k, v) in changes {
        out.retain(|(ek, _)| ek != k);
        if let Some(v) = v {
            out.push((k, v));
        }
    }
    MemoryConfig::new(out)
}

fn app_with(config: MemoryConfig, secrets: &[(&str, &str)], meta: &StoreMetadata) -> TestApp {
    let provider = MemoryProvider::new()
        .with_config("app_config", config)
        .with_secrets(
            "default",
            MemorySecrets::new(secrets.iter().map(|(k, v)| (*k, v.to_string()))),
        );
    let router = Router::new().get("/", settings).get("/greeting", greeting);
    TestApp::with_stores(router, meta, &|_| None).with_provider(provider)
}

fn test_app(config: MemoryConfig, secrets: &[(&str, &str)]) -> TestApp {
    app_with(config, secrets, &STORES)
}

fn error_message(resp: &edgezero_testkit::TestResponse) -> String {
    resp.json()["error"]["message"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn the_derive_lists_secret_fields_with_dotted_keys() {
    let secret = |key: &str, optional| SecretField {
        key: key.into(),
        optional,
    };
    assert_eq!(
        Settings::secret_fields(),
        [
            secret("service.key", true),
            secret("api_token", false),
            secret("webhook_key", true)
        ]
    );
    assert_eq!(Settings::OWN_SECRETS, ["api_token", "webhook_key"]);
    assert_eq!(Service::OWN_SECRETS, ["key"]);
    assert!(Greeting::secret_fields().is_empty());
}

#[test]
fn entries_and_secrets_fill_the_struct() {
    let app = test_app(
        entries(&[("webhook_key", Some("hook")), ("service.key", Some("svc"))]),
        &[("api_token", "s3cr3t"), ("hook", "h"), ("svc", "")],
    );
    let resp = app.get("/");
    assert_eq!(resp.status(), 200, "{}", resp.text());
    // The secret names are looked up as written; an empty optional secret is None.
    assert_eq!(
        resp.text(),
        "2500 https://api.example.com token=s3cr3t hook=Some(\"h\") key=None"
    );
    assert_eq!(app.get("/greeting").text(), "hi");
}

#[test]
fn an_optional_secret_that_is_not_set_is_none() {
    let app = test_app(
        entries(&[("webhook_key", Some("hook"))]),
        &[("api_token", "t")],
    );
    assert!(app.get("/").text().ends_with("hook=None key=None"));
}

#[test]
fn a_missing_entry_is_a_503_naming_the_key() {
    let app = test_app(
        entries(&[("service.timeout_ms", None)]),
        &[("api_token", "s3cr3t")],
    );
    let resp = app.get("/");
    assert_eq!(resp.status(), 503);
    let msg = error_message(&resp);
    assert!(
        msg.contains("config entry `service.timeout_ms` is missing"),
        "{msg}"
    );
    assert!(!resp.text().contains("s3cr3t"));
    // Another type over the same store is not affected.
    assert_eq!(app.get("/greeting").status(), 200);
}

#[test]
fn a_mistyped_entry_is_a_503_naming_the_key() {
    let app = test_app(
        entries(&[("service.timeout_ms", Some("soon"))]),
        &[("api_token", "t")],
    );
    let resp = app.get("/");
    assert_eq!(resp.status(), 503);
    let msg = error_message(&resp);
    assert!(
        msg.contains("config entry `service.timeout_ms` is invalid")
            && msg.contains("unsigned integer"),
        "{msg}"
    );
}

#[test]
fn a_required_secret_that_is_not_set_is_a_503_naming_the_key() {
    let app = test_app(entries(&[]), &[]);
    let resp = app.get("/");
    assert_eq!(resp.status(), 503);
    let msg = error_message(&resp);
    assert!(
        msg.contains("config entry `api_token` names the secret `api_token`, which is not set")
            && msg.contains("set it in the app's secret store"),
        "{msg}"
    );
    let missing = test_app(entries(&[("api_token", None)]), &[("api_token", "t")]);
    assert!(error_message(&missing.get("/")).contains("config entry `api_token` is missing"));
}

#[test]
fn secrets_need_a_secret_store() {
    let meta = StoreMetadata {
        secrets: StoreIds::NONE,
        ..STORES
    };
    let app = app_with(entries(&[]), &[], &meta);
    let msg = error_message(&app.get("/"));
    assert!(msg.contains("[stores.secrets]"), "{msg}");
    // A type without secrets never needs one.
    assert_eq!(app.get("/greeting").text(), "hi");
}

#[test]
fn the_config_is_cached_until_config_version_changes() {
    let app = test_app(entries(&[]), &[("api_token", "t")]);
    assert!(app.get("/").text().starts_with("2500 "));
    // New entries without a version change: the instance keeps what it read.
    let provider = app.provider().clone();
    let _ = provider
        .clone()
        .with_config("app_config", entries(&[("service.timeout_ms", Some("10"))]));
    assert!(app.get("/").text().starts_with("2500 "));
    let _ = provider.clone().with_config(
        "app_config",
        entries(&[("service.timeout_ms", Some("10")), (VERSION_KEY, Some("2"))]),
    );
    assert!(app.get("/").text().starts_with("10 "));
    // `config.version` is not an entry of the config type (Settings has no `config` table).
    let _ = provider.with_config(
        "app_config",
        entries(&[("service.timeout_ms", Some("20")), (VERSION_KEY, Some("3"))]),
    );
    assert!(app.get("/").text().starts_with("20 "));
}

fn app_with_env(config: MemoryConfig, env: &'static [(&'static str, &'static str)]) -> TestApp {
    let provider = MemoryProvider::new()
        .with_config("app_config", config)
        .with_secrets(
            "default",
            MemorySecrets::new([("api_token", "t".to_string())]),
        );
    let lookup = |k: &str| {
        env.iter()
            .find(|(n, _)| *n == k)
            .map(|(_, v)| v.to_string())
    };
    TestApp::with_stores(Router::new().get("/", settings), &STORES, &lookup).with_provider(provider)
}

#[test]
fn a_version_check_interval_skips_the_version_read_until_it_runs_out() {
    let app = app_with_env(
        entries(&[]),
        &[("EDGEZERO__CONFIG__VERSION_CHECK_MS", "3600000")],
    );
    assert!(app.get("/").text().starts_with("2500 "));
    let _ = app.provider().clone().with_config(
        "app_config",
        entries(&[("service.timeout_ms", Some("10")), (VERSION_KEY, Some("2"))]),
    );
    assert!(
        app.get("/").text().starts_with("2500 "),
        "within the interval the loaded config is used as it is"
    );

    // With no interval (0, the default) the same change shows at once.
    let app = app_with_env(entries(&[]), &[("EDGEZERO__CONFIG__VERSION_CHECK_MS", "0")]);
    assert!(app.get("/").text().starts_with("2500 "));
    let _ = app.provider().clone().with_config(
        "app_config",
        entries(&[("service.timeout_ms", Some("10")), (VERSION_KEY, Some("2"))]),
    );
    assert!(app.get("/").text().starts_with("10 "));
}

#[test]
fn an_invalid_version_check_interval_is_a_503_naming_the_variable() {
    let app = app_with_env(
        entries(&[]),
        &[("EDGEZERO__CONFIG__VERSION_CHECK_MS", "soon")],
    );
    let resp = app.get("/");
    assert_eq!(resp.status(), 503);
    assert!(
        error_message(&resp).contains("EDGEZERO__CONFIG__VERSION_CHECK_MS"),
        "{}",
        error_message(&resp)
    );
}

#[test]
fn a_failed_load_is_kept_until_config_version_changes() {
    let app = test_app(
        entries(&[("service.timeout_ms", None)]),
        &[("api_token", "t")],
    );
    assert_eq!(app.get("/").status(), 503);
    let provider = app.provider().clone();
    let _ = provider.clone().with_config("app_config", entries(&[]));
    assert_eq!(
        app.get("/").status(),
        503,
        "failures are not re-read per request"
    );
    let _ = provider.with_config("app_config", entries(&[(VERSION_KEY, Some("fix"))]));
    assert_eq!(app.get("/").status(), 200);
}

#[test]
fn each_instance_has_its_own_cache() {
    let a = test_app(entries(&[]), &[("api_token", "t")]);
    let b = test_app(
        entries(&[("service.timeout_ms", Some("7"))]),
        &[("api_token", "t")],
    );
    assert!(a.get("/").text().starts_with("2500 "));
    assert!(b.get("/").text().starts_with("7 "));
}
