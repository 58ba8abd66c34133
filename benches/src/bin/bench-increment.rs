//! `increment` against a get + set pair on the native SQLite store:
//! `bench-increment [N] [FILE]` (default 2000 operations, a fresh file in the temp dir).
//!
//! Both write one key N times through the same store on the same file, one after the other
//! (no concurrency: the get + set pair would lose updates there), in 5 alternating rounds.
//! Prints the median operations per second of each and their ratio.

use std::path::PathBuf;
use std::time::Instant;

use edgezero_adapter_native::NativeProvider;
use edgezero_core::env::StoreKind;
use edgezero_core::store::kv::KvHandle;
use edgezero_core::store::{StoreBinding, StoreProvider};

const ROUNDS: usize = 5;

fn main() {
    let mut args = std::env::args().skip(1);
    let n: u32 = match args.next().map(|a| a.parse()) {
        None => 2000,
        Some(Ok(n)) if n > 0 => n,
        Some(_) => {
            eprintln!("usage: bench-increment [N] [FILE]");
            std::process::exit(2)
        }
    };
    let (path, temporary) = match args.next() {
        Some(file) => (PathBuf::from(file), false),
        None => (
            std::env::temp_dir().join(format!(
                "edgezero-bench-increment-{}.db",
                std::process::id()
            )),
            true,
        ),
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let (atomic, racy) = rt.block_on(run(&path, n));
    if temporary {
        let _ = std::fs::remove_file(&path);
    }
    println!(
        "{n} operations x {ROUNDS} rounds on {}: increment {atomic:.0} ops/s; get + set {racy:.0} ops/s",
        path.display()
    );
    println!("ratio increment / (get + set): {:.2}", atomic / racy);
}

/// Median ops/s of `increment` and of get + set, in alternating rounds.
async fn run(path: &std::path::Path, n: u32) -> (f64, f64) {
    let binding = StoreBinding {
        kind: StoreKind::Kv,
        id: "bench".into(),
        name: "bench".into(),
        max_list_keys: Ok(1000),
    };
    let provider = NativeProvider::new(path.to_path_buf());
    let kv = KvHandle::new("bench", provider.open_kv(&binding).await.expect("open"));
    kv.delete_many(["atomic", "racy"]).await.expect("reset"); // also opens the file
    let (mut atomic, mut racy) = (Vec::new(), Vec::new());
    for round in 0..ROUNDS {
        // Alternate which goes first, so neither always runs on a warmer cache.
        for first in [round % 2 == 0, round % 2 != 0] {
            let started = Instant::now();
            if first {
                for _ in 0..n {
                    kv.increment("atomic", 1).await.expect("increment");
                }
                atomic.push(f64::from(n) / started.elapsed().as_secs_f64());
            } else {
                for _ in 0..n {
                    let old = kv.get_json::<i64>("racy").await.expect("get").unwrap_or(0);
                    kv.put_json("racy", &(old + 1)).await.expect("set");
                }
                racy.push(f64::from(n) / started.elapsed().as_secs_f64());
            }
        }
    }
    let total = i64::from(n) * ROUNDS as i64;
    assert_eq!(kv.counter("atomic").await.expect("read"), total);
    assert_eq!(kv.get_json::<i64>("racy").await.expect("read"), Some(total));
    (median(atomic), median(racy))
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}
