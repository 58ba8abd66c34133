//! The SQLite file's life while the server runs: a failed open is retried, a deleted or
//! replaced file is reopened.

use std::path::Path;

use edgezero_adapter_native::NativeProvider;
use edgezero_core::store::kv::KvError;

mod common;
use common::{block_on, kv};

fn spin_row(path: &Path, key: &str) -> Option<Vec<u8>> {
    let conn = edgezero_spin_sqlite::open(path).unwrap();
    edgezero_spin_sqlite::get(&conn, "data", key).unwrap()
}

#[test]
fn failed_first_open_is_retried_on_the_next_request() {
    let dir = tempfile::tempdir().unwrap();
    let blocker = dir.path().join("state");
    std::fs::write(&blocker, "a file where the directory should be").unwrap();
    let path = blocker.join("kv.db");
    let provider = NativeProvider::new(path.clone());
    block_on(async {
        let kv = kv(&provider).await;
        match kv.put_bytes("k", "v").await {
            Err(KvError::Unavailable { store, reason }) => {
                assert_eq!(store, "data");
                assert!(reason.contains("EDGEZERO__ADAPTER__KV_PATH"), "{reason}");
            }
            other => panic!("expected Unavailable, got {other:?}"),
        }
        std::fs::remove_file(&blocker).unwrap();
        kv.put_bytes("k", "v").await.unwrap();
        assert_eq!(kv.get_bytes("k").await.unwrap().as_deref(), Some(&b"v"[..]));
    });
    assert_eq!(spin_row(&path, "k").as_deref(), Some(&b"v"[..]));
}

#[test]
fn deleted_file_is_reopened_and_written() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kv.db");
    let provider = NativeProvider::new(path.clone());
    block_on(async {
        let kv = kv(&provider).await;
        kv.put_bytes("before", "1").await.unwrap();
        std::fs::remove_file(&path).unwrap();
        kv.put_bytes("after", "2").await.unwrap();
        assert_eq!(kv.get_bytes("before").await.unwrap(), None);
        kv.put_bytes_with_ttl("ttl", "3", std::time::Duration::from_secs(60))
            .await
            .unwrap();
    });
    assert_eq!(spin_row(&path, "after").as_deref(), Some(&b"2"[..]));
    assert_eq!(spin_row(&path, "ttl").as_deref(), Some(&b"3"[..]));
}

#[test]
fn replaced_file_is_read_and_written_in_place_of_the_old_one() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kv.db");
    let provider = NativeProvider::new(path.clone());
    block_on(async {
        let kv = kv(&provider).await;
        kv.put_bytes("k", "old").await.unwrap();
        let fresh = dir.path().join("fresh.db");
        let conn = edgezero_spin_sqlite::open(&fresh).unwrap();
        edgezero_spin_sqlite::set(&conn, "data", "k", b"new").unwrap();
        drop(conn);
        std::fs::rename(&fresh, &path).unwrap();
        assert_eq!(
            kv.get_bytes("k").await.unwrap().as_deref(),
            Some(&b"new"[..])
        );
        kv.put_bytes("k2", "x").await.unwrap();
    });
    assert_eq!(spin_row(&path, "k2").as_deref(), Some(&b"x"[..]));
}

#[test]
fn atomic_operations_reopen_a_deleted_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kv.db");
    let provider = NativeProvider::new(path.clone());
    block_on(async {
        let kv = kv(&provider).await;
        assert_eq!(kv.increment("n", 5).await.unwrap(), 5);
        std::fs::remove_file(&path).unwrap();
        assert_eq!(kv.increment("n", 1).await.unwrap(), 1, "a fresh file");
        std::fs::remove_file(&path).unwrap();
        assert!(kv.compare_and_swap("c", None, "v").await.unwrap());
        std::fs::remove_file(&path).unwrap();
        kv.set_many([("a", "1"), ("b", "2")]).await.unwrap();
    });
    assert_eq!(spin_row(&path, "n"), None);
    assert_eq!(spin_row(&path, "c"), None);
    assert_eq!(spin_row(&path, "b").as_deref(), Some(&b"2"[..]));
}
