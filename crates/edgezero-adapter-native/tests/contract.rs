//! The native SQLite / environment backends pass the shared contract suites.

use std::rc::Rc;

use edgezero_adapter_native::NativeProvider;
use edgezero_core::env::StoreKind;
use edgezero_core::store::config::ConfigHandle;
use edgezero_core::store::kv::KvHandle;
use edgezero_core::store::secrets::SecretHandle;
use edgezero_core::store::StoreProvider;
use edgezero_testkit::contract::{self, KvCapabilities, CONFIG_FIXTURE, SECRET_FIXTURE};

mod common;
use common::{binding, block_on};

#[test]
fn sqlite_kv_passes_the_kv_suite_twice() {
    let dir = tempfile::tempdir().unwrap();
    let provider = NativeProvider::new(dir.path().join("kv.db"));
    block_on(async {
        let kv = common::kv(&provider).await;
        contract::assert_all_passed(&contract::kv_suite(&kv, KvCapabilities { ttl: true }).await);
        contract::assert_all_passed(&contract::kv_suite(&kv, KvCapabilities { ttl: true }).await);
    });
}

#[test]
fn sqlite_kv_passes_the_atomic_suite_twice() {
    let dir = tempfile::tempdir().unwrap();
    let provider = NativeProvider::new(dir.path().join("kv.db"));
    block_on(async {
        let kv = common::kv(&provider).await;
        contract::assert_all_passed(&contract::kv_atomic_suite(&kv).await);
        contract::assert_all_passed(&contract::kv_atomic_suite(&kv).await);
    });
}

#[test]
fn sqlite_config_passes_the_config_suite() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kv.db");
    let mut conn = edgezero_spin_sqlite::open(&path).unwrap();
    let entries: Vec<(&str, &[u8])> = CONFIG_FIXTURE
        .iter()
        .map(|(k, v)| (*k, v.as_bytes()))
        .collect();
    edgezero_spin_sqlite::set_many(&mut conn, "cfg-label", entries).unwrap();
    drop(conn);
    let provider = NativeProvider::new(path);
    block_on(async {
        let store = provider
            .open_config(&binding(StoreKind::Config, "app_config", "cfg-label"))
            .await
            .unwrap();
        contract::assert_all_passed(
            &contract::config_suite(&ConfigHandle::new("app_config", store)).await,
        );
    });
}

#[test]
fn env_secrets_pass_the_secrets_suite() {
    let (name, value) = SECRET_FIXTURE;
    std::env::set_var(format!("SPIN_VARIABLE_{}", name.to_uppercase()), value);
    let provider = NativeProvider::new("unused.db".into());
    block_on(async {
        let store = provider
            .open_secrets(&binding(StoreKind::Secrets, "default", "default"))
            .await
            .unwrap();
        contract::assert_all_passed(
            &contract::secrets_suite(&SecretHandle::new("default", store)).await,
        );
    });
}

#[test]
fn expired_keys_are_invisible_and_data_is_in_spin_rows() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kv.db");
    let provider = NativeProvider::new(path.clone());
    block_on(async {
        let kv = KvHandle::new(
            "data",
            provider
                .open_kv(&binding(StoreKind::Kv, "data", "lbl"))
                .await
                .unwrap(),
        );
        kv.put_bytes_with_ttl("soon", "x", std::time::Duration::from_secs(60))
            .await
            .unwrap();
        kv.put_bytes("plain", "y").await.unwrap();
        let conn = rusqlite_open(&path);
        conn.execute(
            "UPDATE edgezero_kv_expiry SET expires_at_ms = 1 WHERE key = 'soon'",
            [],
        )
        .unwrap();
        assert_eq!(kv.get_bytes("soon").await.unwrap(), None);
        assert!(!kv.exists("soon").await.unwrap());
        assert_eq!(
            kv.list_keys_page("", None, 10).await.unwrap().keys,
            ["plain"]
        );
        // Stored in Spin's table under the label, readable with Spin's own statement.
        assert_eq!(
            edgezero_spin_sqlite::get(&conn, "lbl", "plain")
                .unwrap()
                .as_deref(),
            Some(&b"y"[..])
        );
    });
}

fn rusqlite_open(path: &std::path::Path) -> rusqlite::Connection {
    edgezero_spin_sqlite::open(path).unwrap()
}

#[test]
fn unopenable_file_is_unavailable_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let blocker = dir.path().join("file");
    std::fs::write(&blocker, "not a dir").unwrap();
    let provider = NativeProvider::new(blocker.join("kv.db"));
    block_on(async {
        let kv = KvHandle::new(
            "data",
            provider
                .open_kv(&binding(StoreKind::Kv, "data", "data"))
                .await
                .unwrap(),
        );
        match kv.get_bytes("k").await {
            Err(edgezero_core::store::kv::KvError::Unavailable { store, .. }) => {
                assert_eq!(store, "data")
            }
            other => panic!("expected Unavailable, got {other:?}"),
        }
    });
    let _ = Rc::new(());
}
