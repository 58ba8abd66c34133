//! Group commit on the native SQLite store: examples/counter (`GET /counter`: an `increment`
//! and an `exchange`, two durable writes per request) driven by 16 concurrent clients, with
//! writes group-committed against each write committed alone — the same statements, the same
//! durability (every answer waits for its transaction's `COMMIT`), each on its own file in
//! the same directory. `bench-group-commit [SECONDS] [ROUNDS] [DIR]` (default 3 s, 5 rounds,
//! a fresh directory under the system's temp dir — pass a directory on the disk to measure).
//!
//! Each client is a thread with its own current-thread runtime, as a server worker, sending
//! one request after the other. Rounds alternate (grouped, alone, …); prints each round and
//! the median ratio grouped / alone (goal ≥ 5).

use std::path::{Path, PathBuf};

use std::rc::Rc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use edgezero_adapter_native::NativeProvider;
use edgezero_core::{App, Body, RequestContext, StoreBindings, StoreProvider, Stores};

const CLIENTS: usize = 16;

/// Requests per second of `CLIENTS` clients sending `GET /counter` for `secs` against the
/// SQLite file `file`, with group commit `on` or off.
fn round(file: &Path, on: bool, secs: f64) -> f64 {
    // Read by NativeProvider::new; set before the clients start and build their providers.
    std::env::set_var(
        edgezero_env::GROUP_COMMIT_VAR,
        if on { "on" } else { "off" },
    );
    let stop = Arc::new(AtomicBool::new(false));
    let done = Arc::new(AtomicU64::new(0));
    let start = Arc::new(Barrier::new(CLIENTS + 1));
    // One provider (one file, one connection, one write queue) shared by every client, as
    // the server's workers share one.
    let shared = NativeProvider::new(file.to_path_buf());
    let clients: Vec<_> = (0..CLIENTS)
        .map(|_| {
            let (stop, done, start) = (Arc::clone(&stop), Arc::clone(&done), Arc::clone(&start));
            let provider = shared.clone();
            std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                let router = counter_core::App::router().build();
                let bindings =
                    Arc::new(StoreBindings::resolve(counter_core::App::stores(), &|_| {
                        None
                    }));
                let provider: Rc<dyn StoreProvider> = Rc::new(provider);
                start.wait();
                rt.block_on(async {
                    while !stop.load(Ordering::Relaxed) {
                        let req = http::Request::get("/counter").body(Body::Empty).unwrap();
                        let stores = Stores::new(Arc::clone(&bindings), Rc::clone(&provider));
                        let res = router.dispatch(RequestContext::new(req, stores)).await;
                        assert_eq!(res.status(), 200);
                        done.fetch_add(1, Ordering::Relaxed);
                    }
                });
            })
        })
        .collect();
    start.wait();
    let began = Instant::now();
    std::thread::sleep(Duration::from_secs_f64(secs));
    stop.store(true, Ordering::Relaxed);
    let n = done.load(Ordering::Relaxed);
    let elapsed = began.elapsed().as_secs_f64();
    for c in clients {
        c.join().unwrap();
    }
    n as f64 / elapsed
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

fn main() {
    let mut args = std::env::args().skip(1);
    let secs: f64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(3.0);
    let rounds: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(5);
    let dir = match args.next() {
        Some(d) => PathBuf::from(d),
        None => std::env::temp_dir().join(format!("edgezero-bench-group-{}", std::process::id())),
    };
    std::fs::create_dir_all(&dir).unwrap();
    let (grouped_file, alone_file) = (dir.join("grouped.db"), dir.join("alone.db"));
    println!(
        "{rounds} rounds of {secs} s, {CLIENTS} clients, GET /counter (2 durable writes each), files in {}",
        dir.display()
    );
    let (mut grouped, mut alone, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    for r in 1..=rounds {
        let g = round(&grouped_file, true, secs);
        let a = round(&alone_file, false, secs);
        println!(
            "  round {r}: grouped {g:7.0} req/s   alone {a:7.0} req/s   ratio {:.2}",
            g / a
        );
        grouped.push(g);
        alone.push(a);
        ratios.push(g / a);
    }
    println!(
        "median: grouped {:.0} req/s, alone {:.0} req/s, ratio grouped / alone {:.2} (goal >= 5)",
        median(&mut grouped),
        median(&mut alone),
        median(&mut ratios)
    );
    let _ = std::fs::remove_file(grouped_file);
    let _ = std::fs::remove_file(alone_file);
}
