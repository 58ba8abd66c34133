//! The in-memory backends pass the contract suites.

use std::rc::Rc;

use edgezero_core::store::config::ConfigHandle;
use edgezero_core::store::kv::KvHandle;
use edgezero_core::store::secrets::SecretHandle;
use edgezero_testkit::contract::{self, KvCapabilities, CONFIG_FIXTURE, SECRET_FIXTURE};
use edgezero_testkit::{MemoryConfig, MemoryKv, MemorySecrets};
use futures_executor::block_on;

#[test]
fn memory_kv_passes_the_kv_suite() {
    let kv = KvHandle::new("default", Rc::new(MemoryKv::new()));
    let results = block_on(contract::kv_suite(&kv, KvCapabilities { ttl: true }));
    contract::assert_all_passed(&results);
    // Running twice on the same store must pass too: cases clean up after themselves.
    contract::assert_all_passed(&block_on(contract::kv_suite(
        &kv,
        KvCapabilities { ttl: true },
    )));
}

#[test]
fn memory_kv_passes_the_atomic_suite() {
    let kv = KvHandle::new("default", Rc::new(MemoryKv::new()));
    contract::assert_all_passed(&block_on(contract::kv_atomic_suite(&kv)));
    contract::assert_all_passed(&block_on(contract::kv_atomic_suite(&kv)));
}

#[test]
fn memory_config_passes_the_config_suite() {
    let config = ConfigHandle::new(
        "app_config",
        Rc::new(MemoryConfig::new(CONFIG_FIXTURE.iter().copied())),
    );
    contract::assert_all_passed(&block_on(contract::config_suite(&config)));
}

#[test]
fn memory_secrets_pass_the_secrets_suite() {
    let secrets = SecretHandle::new(
        "default",
        Rc::new(MemorySecrets::new([(
            SECRET_FIXTURE.0,
            SECRET_FIXTURE.1.as_bytes().to_vec(),
        )])),
    );
    contract::assert_all_passed(&block_on(contract::secrets_suite(&secrets)));
}

#[test]
fn suite_detects_a_broken_backend() {
    // A store that forgets values must fail the suite: the suite can fail.
    struct Forgetful;
    #[async_trait::async_trait(?Send)]
    impl edgezero_core::store::kv::KvStore for Forgetful {
        async fn get_bytes(
            &self,
            _: &str,
        ) -> Result<Option<bytes::Bytes>, edgezero_core::store::kv::KvError> {
            Ok(None)
        }
        async fn put_bytes(
            &self,
            _: &str,
            _: bytes::Bytes,
        ) -> Result<(), edgezero_core::store::kv::KvError> {
            Ok(())
        }
        async fn put_bytes_with_ttl(
            &self,
            _: &str,
            _: bytes::Bytes,
            _: std::time::Duration,
        ) -> Result<(), edgezero_core::store::kv::KvError> {
            Ok(())
        }
        async fn delete(&self, _: &str) -> Result<(), edgezero_core::store::kv::KvError> {
            Ok(())
        }
        async fn exists(&self, _: &str) -> Result<bool, edgezero_core::store::kv::KvError> {
            Ok(false)
        }
        async fn list_keys_page(
            &self,
            _: &str,
            _: Option<&str>,
            _: usize,
        ) -> Result<edgezero_core::store::paging::KeyPage, edgezero_core::store::kv::KvError>
        {
            Ok(Default::default())
        }
    }
    let kv = KvHandle::new("x", Rc::new(Forgetful));
    let results = block_on(contract::kv_suite(&kv, KvCapabilities { ttl: true }));
    assert!(
        results.iter().filter(|r| r.result.is_err()).count() >= 3,
        "{results:?}"
    );
}
