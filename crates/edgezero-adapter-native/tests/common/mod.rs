//! What the store tests share: a runtime to block on, bindings, and a KV handle on a provider.

#![allow(dead_code)] // each test binary uses a different subset

use std::path::PathBuf;
use std::time::Duration;

use edgezero_adapter_native::{NativeProvider, ServerConfig};
use edgezero_core::env::StoreKind;
use edgezero_core::store::kv::KvHandle;
use edgezero_core::store::{StoreBinding, StoreIds, StoreMetadata, StoreProvider};

/// One KV store, `data`, with no default.
pub const DATA_ONLY: StoreMetadata = StoreMetadata {
    kv: StoreIds {
        ids: &["data"],
        default: None,
    },
    config: StoreIds::NONE,
    secrets: StoreIds::NONE,
};

/// A server on a free loopback port with `workers` threads, its KV file at `kv_path`, a
/// 1 KiB body limit, 10 s to send headers and a 30 s outbound timeout.
pub fn loopback(kv_path: impl Into<PathBuf>, workers: usize) -> ServerConfig {
    ServerConfig {
        addr: "127.0.0.1:0".parse().unwrap(),
        kv_path: kv_path.into(),
        max_body_bytes: 1024,
        workers,
        header_read_timeout: Duration::from_secs(10),
        http_timeout: Duration::from_secs(30),
    }
}

/// Runs `f` on a current-thread runtime, as a server worker would.
pub fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(f)
}

/// A binding of store `id` on platform store `name`.
pub fn binding(kind: StoreKind, id: &str, name: &str) -> StoreBinding {
    StoreBinding {
        kind,
        id: id.into(),
        name: name.into(),
        max_list_keys: Ok(1000),
    }
}

/// KV store `data` (label `data`) opened through `provider`.
pub async fn kv(provider: &NativeProvider) -> KvHandle {
    let binding = binding(StoreKind::Kv, "data", "data");
    KvHandle::new("data", provider.open_kv(&binding).await.unwrap())
}
