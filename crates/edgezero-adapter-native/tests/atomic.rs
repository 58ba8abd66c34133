//! Counters and compare-and-swap on the SQLite file under real concurrency, and the counter
//! format shared with Spin.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Barrier};

use edgezero_adapter_native::NativeProvider;
use edgezero_core::store::kv::KvHandle;

const THREADS: usize = 4;

mod common;
use common::block_on;

/// A store on `path` with its own provider, so its own connection to the file.
async fn kv(path: &Path) -> KvHandle {
    common::kv(&NativeProvider::new(path.to_path_buf())).await
}

fn spin_row(path: &Path, key: &str) -> Option<Vec<u8>> {
    let conn = edgezero_spin_sqlite::open(path).unwrap();
    edgezero_spin_sqlite::get(&conn, "data", key).unwrap()
}

/// Runs `each` on `THREADS` OS threads at once, each with its own connection to `path`.
fn on_threads<F, Fut>(path: &Path, each: F)
where
    F: Fn(KvHandle) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()>,
{
    let each = Arc::new(each);
    let start = Arc::new(Barrier::new(THREADS));
    let threads: Vec<_> = (0..THREADS)
        .map(|_| {
            let (path, each, start): (PathBuf, _, _) =
                (path.to_path_buf(), Arc::clone(&each), Arc::clone(&start));
            std::thread::spawn(move || {
                block_on(async {
                    let kv = kv(&path).await;
                    kv.exists("warm-up").await.unwrap(); // open the file before the race
                    start.wait();
                    each(kv).await;
                })
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
}

#[test]
fn increments_from_four_connections_never_lose_an_update() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kv.db");
    on_threads(&path, |kv| async move {
        let mut last = 0;
        for _ in 0..400 {
            let n = kv.increment("n", 1).await.unwrap();
            assert!(
                n > last,
                "a connection's own increments only go up: {last} then {n}"
            );
            last = n;
        }
    });
    let total = 400 * THREADS as i64;
    assert_eq!(spin_row(&path, "n"), Some(total.to_le_bytes().to_vec()));
    assert_eq!(
        block_on(async { kv(&path).await.counter("n").await.unwrap() }),
        total
    );
}

#[test]
fn json_updates_from_four_connections_never_lose_an_update() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kv.db");
    on_threads(&path, |kv| async move {
        for _ in 0..50 {
            kv.update_json("doc", |old: Option<u64>| old.unwrap_or(0) + 1)
                .await
                .unwrap();
        }
    });
    let total = 50 * THREADS as u64;
    assert_eq!(spin_row(&path, "doc"), Some(total.to_string().into_bytes()));
}

#[test]
fn a_counter_is_spins_eight_little_endian_bytes_both_ways() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kv.db");
    block_on(async {
        let kv = kv(&path).await;
        assert_eq!(kv.increment("ours", 1_600).await.unwrap(), 1_600);
        assert_eq!(
            kv.get_bytes("ours").await.unwrap().as_deref(),
            Some(&1_600i64.to_le_bytes()[..])
        );

        // Written by Spin's own upsert, as `spin up` does.
        let conn = edgezero_spin_sqlite::open(&path).unwrap();
        edgezero_spin_sqlite::set(&conn, "data", "spins", &(-5i64).to_le_bytes()).unwrap();
        assert_eq!(kv.increment("spins", 7).await.unwrap(), 2);
        assert_eq!(
            edgezero_spin_sqlite::get(&conn, "data", "spins").unwrap(),
            Some(2i64.to_le_bytes().to_vec())
        );
    });
    assert_eq!(
        spin_row(&path, "ours"),
        Some(1_600i64.to_le_bytes().to_vec())
    );
}
