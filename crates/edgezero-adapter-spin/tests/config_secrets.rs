//! Config on Spin labels and secrets as Spin variables, against the fake host.

mod common;

use std::collections::HashMap;
use std::rc::Rc;

use common::{stores, FakeHost, KV_API};
use edgezero_core::store::config::ConfigError;
use edgezero_core::store::secrets::SecretError;
use edgezero_testkit::contract::{self, CONFIG_FIXTURE, SECRET_FIXTURE};
use futures_executor::block_on;

fn seeded_config_host(label: &str) -> Rc<FakeHost> {
    let host = FakeHost::granting(&["app_config", "prod-config"]);
    host.seed(
        label,
        CONFIG_FIXTURE
            .iter()
            .map(|(k, v)| (k.to_string(), v.as_bytes().to_vec())),
    );
    Rc::new(host)
}

#[test]
fn config_passes_the_contract_suite_with_verbatim_dotted_keys() {
    let host = seeded_config_host("app_config");
    let config = block_on(stores(Rc::clone(&host), &KV_API, &[]).config("app_config")).unwrap();
    contract::assert_all_passed(&block_on(contract::config_suite(&config)));
    assert!(host
        .label("app_config")
        .borrow()
        .contains_key("service.timeout_ms"));
}

#[test]
fn config_label_override() {
    let host = seeded_config_host("prod-config");
    let env = [("EDGEZERO__STORES__CONFIG__APP_CONFIG__NAME", "prod-config")];
    let config = block_on(stores(Rc::clone(&host), &KV_API, &env).config("app_config")).unwrap();
    assert_eq!(
        block_on(config.get("greeting")).unwrap().as_deref(),
        Some("hello, world")
    );
    assert_eq!(*host.counters.opened.borrow(), ["prod-config"]);
}

#[test]
fn non_utf8_config_value_names_the_key() {
    let host = Rc::new(FakeHost::granting(&["app_config"]));
    host.seed(
        "app_config",
        [("blob.key".to_string(), vec![b'o', b'k', 0xff])],
    );
    let config = block_on(stores(host, &KV_API, &[]).config("app_config")).unwrap();
    let err = block_on(config.get("blob.key")).unwrap_err();
    assert!(
        matches!(&err, ConfigError::InvalidValue { key, reason } if key == "blob.key" && reason.contains("UTF-8")),
        "{err}"
    );
}

#[test]
fn config_access_denied_names_the_fix() {
    let host = Rc::new(FakeHost::granting(&["data"]));
    let err = block_on(stores(host, &KV_API, &[]).config("app_config")).unwrap_err();
    let ConfigError::Unavailable { store, reason } = err else {
        panic!("expected Unavailable")
    };
    assert_eq!(store, "app_config");
    assert!(
        reason.contains("\"app_config\"") && reason.contains("[key_value_store.app_config]"),
        "{reason}"
    );
}

fn secret_host(vars: &[(&str, &str)]) -> Rc<FakeHost> {
    let variables: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    Rc::new(FakeHost {
        variables,
        ..FakeHost::default()
    })
}

#[test]
fn secrets_pass_the_contract_suite() {
    let host = secret_host(&[SECRET_FIXTURE]);
    let secrets = block_on(stores(host, &KV_API, &[]).default_secrets()).unwrap();
    contract::assert_all_passed(&block_on(contract::secrets_suite(&secrets)));
}

#[test]
fn secret_names_are_lower_cased() {
    let host = secret_host(&[("api_token", "t")]);
    let secrets = block_on(stores(host, &KV_API, &[]).default_secrets()).unwrap();
    assert_eq!(
        block_on(secrets.get_string("API_TOKEN"))
            .unwrap()
            .as_deref(),
        Some("t")
    );
}

#[test]
fn empty_variables_are_set_and_undefined_ones_are_not() {
    // As spin_sdk::variables::get returns "" for an empty value, and as the native adapter
    // reads SPIN_VARIABLE_API_TOKEN= (one behaviour on both platforms).
    let host = secret_host(&[("api_token", "")]);
    let secrets = block_on(stores(host, &KV_API, &[]).default_secrets()).unwrap();
    assert!(block_on(secrets.is_set("api_token")).unwrap());
    assert_eq!(
        block_on(secrets.get_string("api_token"))
            .unwrap()
            .as_deref(),
        Some("")
    );
    assert!(!block_on(secrets.is_set("never_declared")).unwrap());
}

#[test]
fn invalid_secret_names_name_the_rule() {
    let host = secret_host(&[]);
    let secrets = block_on(stores(host, &KV_API, &[]).default_secrets()).unwrap();
    // Rejected before asking Spin, and by Spin's own stricter check.
    for bad in ["api-token", "9lives", "api__token", "token_"] {
        let err = block_on(secrets.get_bytes(bad)).unwrap_err();
        assert!(
            matches!(&err, SecretError::Validation(m) if m.contains("^[a-z](_?[a-z0-9])*$")),
            "{bad}: {err}"
        );
    }
}

#[test]
fn kinds_the_app_does_not_declare_are_never_opened() {
    use edgezero_adapter_spin::SpinProvider;
    use edgezero_core::env::StoreKind;
    use edgezero_core::store::{StoreBinding, StoreProvider};
    use edgezero_core::{App, Router, StoreMetadata};

    struct NoStores;
    impl App for NoStores {
        fn name() -> &'static str {
            "no-stores"
        }
        fn stores() -> &'static StoreMetadata {
            &StoreMetadata::NONE
        }
        fn router() -> Router {
            Router::new()
        }
    }
    let host = Rc::new(FakeHost::granting(&["x"]));
    let provider = SpinProvider::<_, NoStores>::new(Rc::clone(&host));
    let binding = |kind| StoreBinding {
        kind,
        id: "x".into(),
        name: "x".into(),
        max_list_keys: Ok(1000),
    };
    assert!(block_on(provider.open_kv(&binding(StoreKind::Kv))).is_err());
    assert!(block_on(provider.open_config(&binding(StoreKind::Config))).is_err());
    assert!(block_on(provider.open_secrets(&binding(StoreKind::Secrets))).is_err());
    assert!(host.counters.opened.borrow().is_empty());
}
