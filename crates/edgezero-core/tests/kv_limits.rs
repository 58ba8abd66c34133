//! `EDGEZERO__STORES__KV__<ID>__LIMITS=fermyon-cloud`: Fermyon Cloud's limits as 400s that
//! name the limit, before the backend is called.

use std::rc::Rc;
use std::sync::Arc;

use edgezero_core::store::{StoreBindings, StoreIds, StoreMetadata, Stores};
use edgezero_testkit::MemoryProvider;
use futures_executor::block_on;

static META: StoreMetadata = StoreMetadata {
    kv: StoreIds {
        ids: &["default", "free"],
        default: Some("default"),
    },
    config: StoreIds::NONE,
    secrets: StoreIds::NONE,
};

fn stores(profile: &str) -> Stores {
    let profile = profile.to_string();
    let lookup =
        move |k: &str| (k == "EDGEZERO__STORES__KV__DEFAULT__LIMITS").then(|| profile.clone());
    Stores::new(
        Arc::new(StoreBindings::resolve(&META, &lookup)),
        Rc::new(MemoryProvider::new()),
    )
}

#[test]
fn fermyon_cloud_limits_are_400s_naming_the_limit() {
    block_on(async {
        let stores = stores("fermyon-cloud");
        let kv = stores.default_kv().await.unwrap();
        let err = kv
            .put_bytes(&"k".repeat(256), "v")
            .await
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("limit is 255 bytes") && err.contains("fermyon-cloud"),
            "{err}"
        );
        kv.put_bytes(&"k".repeat(255), "v").await.unwrap();
        let err = kv
            .put_bytes("big", vec![0u8; 1024 * 1024 + 1])
            .await
            .unwrap_err()
            .to_string();
        assert!(err.contains("limit is 1048576 bytes"), "{err}");
        for i in 1..1024 {
            kv.put_bytes(&format!("k{i}"), "v").await.unwrap();
        }
        let err = kv
            .put_bytes("one-too-many", "v")
            .await
            .unwrap_err()
            .to_string();
        assert!(err.contains("at most 1024"), "{err}");
        let status =
            edgezero_core::EdgeError::from(kv.put_bytes("again", "v").await.unwrap_err()).status();
        assert_eq!(status, 400);
        // Updating an existing key is not adding one.
        kv.put_bytes("k1", "w").await.unwrap();
        assert!(kv.increment("new-counter", 1).await.is_err());
        // An exchange is held to the same rules: no new key in a full store, no value over
        // the limit; nothing is written when refused.
        assert!(kv.exchange("new-key", "v").await.is_err());
        assert!(!kv.exists("new-key").await.unwrap());
        let err = kv
            .exchange("k1", vec![0u8; 1024 * 1024 + 1])
            .await
            .unwrap_err()
            .to_string();
        assert!(err.contains("limit is 1048576 bytes"), "{err}");
        assert_eq!(
            kv.exchange("k1", "x").await.unwrap().as_deref(),
            Some(&b"w"[..])
        );
        // Other stores keep the usual rules.
        let free = stores.kv("free").await.unwrap();
        free.put_bytes(&"k".repeat(300), "v").await.unwrap();
    });
}

#[test]
fn an_unknown_profile_is_a_configuration_error() {
    block_on(async {
        let err = stores("tiny").default_kv().await.unwrap_err().to_string();
        assert!(
            err.contains("EDGEZERO__STORES__KV__DEFAULT__LIMITS") && err.contains("fermyon-cloud"),
            "{err}"
        );
    });
}
