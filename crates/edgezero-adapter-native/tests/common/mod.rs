//! What the store tests share: a runtime to block on, bindings, and a KV handle on a provider.

#![allow(dead_code)] // each test binary uses a different subset

use edgezero_adapter_native::NativeProvider;
use edgezero_core::env::StoreKind;
use edgezero_core::store::kv::KvHandle;
use edgezero_core::store::{StoreBinding, StoreProvider};

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
