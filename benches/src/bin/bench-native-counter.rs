//! examples/counter on the native adapter against a bare hyper `service_fn` doing the same
//! SQLite work, both driven in the process (no socket): `bench-native-counter [N] [PAIRS]`
//! (default 2000 requests, 9 pairs).
//!
//! Ours: the counter's router and the native adapter's SQLite provider, as a server worker
//! runs them (`RequestContext` per request, the store opened through the bindings, the
//! response body collected). Bare: a `service_fn` that, in one `spawn_blocking` call (the
//! native adapter's rule: no SQLite on a worker thread), increments `views` (Spin's 8-byte
//! counter) and swaps `previous-request` on the same kind of file, then answers the same
//! JSON. Two bare services:
//!
//! - "same work": the same two immediate transactions the counter's `increment` and
//!   `exchange` make (each key atomic on its own), so the ratio is what the framework costs;
//! - "one transaction": both keys in one immediate transaction, one commit fewer, which a
//!   hand-written service can do and the framework's single-key operations do not.
//!
//! Runs alternate (ours, same work, one transaction, …); prints each round and the median
//! ratios (goal ≥ 0.95 against the same work).

use std::convert::Infallible;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use bytes::Bytes;
use edgezero_adapter_native::NativeProvider;
use edgezero_core::{App, Body, RequestContext, StoreBindings, StoreProvider, Stores};
use http_body_util::{BodyExt, Full};
use hyper::service::Service;
use rusqlite::{Connection, TransactionBehavior};

fn arg(i: usize, default: usize) -> usize {
    std::env::args()
        .nth(i)
        .and_then(|a| a.parse().ok())
        .filter(|n| *n > 0)
        .unwrap_or(default)
}

fn temp_file(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!(
        "edgezero-bench-native-counter-{name}-{}.db",
        std::process::id()
    ))
}

fn e(err: impl std::fmt::Display) -> String {
    err.to_string()
}

/// The bare counter's SQLite work: both keys in one immediate transaction, or each key in
/// its own (`one_tx == false`, as the counter's two atomic operations).
fn bare_work(conn: &Mutex<Connection>, path: &str, one_tx: bool) -> Result<(i64, String), String> {
    let mut conn = conn.lock().map_err(|e| e.to_string())?;
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(e)?;
    let views = edgezero_spin_sqlite::get(&tx, "default", "views")
        .map_err(e)?
        .and_then(|v| <[u8; 8]>::try_from(v.as_slice()).ok())
        .map_or(0, i64::from_le_bytes)
        + 1;
    edgezero_spin_sqlite::set(&tx, "default", "views", &views.to_le_bytes()).map_err(e)?;
    let tx = if one_tx {
        tx
    } else {
        tx.commit().map_err(e)?;
        conn.transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(e)?
    };
    let previous = edgezero_spin_sqlite::get(&tx, "default", "previous-request")
        .map_err(e)?
        .map(|p| String::from_utf8_lossy(&p).into_owned())
        .unwrap_or_default();
    edgezero_spin_sqlite::set(&tx, "default", "previous-request", path.as_bytes()).map_err(e)?;
    tx.commit().map_err(e)?;
    Ok((views, previous))
}

type BareRequest = http::Request<Full<Bytes>>;
type BareResponse = http::Response<Full<Bytes>>;

/// The hand-written service over its own file.
fn bare_service(
    file: &Path,
    one_tx: bool,
) -> impl Service<BareRequest, Response = BareResponse, Error = Infallible> {
    let conn = Arc::new(Mutex::new(edgezero_spin_sqlite::open(file).unwrap()));
    hyper::service::service_fn(move |req: BareRequest| {
        let conn = Arc::clone(&conn);
        async move {
            let path = req.uri().path().to_string();
            let (views, previous) =
                tokio::task::spawn_blocking(move || bare_work(&conn, &path, one_tx))
                    .await
                    .unwrap()
                    .unwrap();
            let body = format!(
                "{{\"views\":{views},\"previous_request\":{}}}",
                serde_json::Value::String(previous)
            );
            Ok::<_, Infallible>(
                http::Response::builder()
                    .header("content-type", "application/json")
                    .body(Full::new(Bytes::from(body)))
                    .unwrap(),
            )
        }
    })
}

async fn run_ours(
    router: &edgezero_core::Router,
    bindings: &Arc<StoreBindings>,
    provider: &Rc<dyn StoreProvider>,
    n: usize,
) -> f64 {
    let started = Instant::now();
    for _ in 0..n {
        let req = http::Request::get("/counter").body(Body::Empty).unwrap();
        let stores = Stores::new(Arc::clone(bindings), Rc::clone(provider));
        let res = router.dispatch(RequestContext::new(req, stores)).await;
        assert_eq!(res.status(), 200);
        let body = res.into_body().collect(1 << 20).await.unwrap();
        assert!(body.starts_with(b"{\"views\":"));
    }
    n as f64 / started.elapsed().as_secs_f64()
}

async fn run_bare<S>(service: &S, n: usize) -> f64
where
    S: Service<BareRequest, Response = BareResponse, Error = Infallible>,
{
    let started = Instant::now();
    for _ in 0..n {
        let req = http::Request::get("/counter")
            .body(Full::new(Bytes::new()))
            .unwrap();
        let res = service.call(req).await.unwrap();
        assert_eq!(res.status(), 200);
        let body = res.into_body().collect().await.unwrap().to_bytes();
        assert!(body.starts_with(b"{\"views\":"));
    }
    n as f64 / started.elapsed().as_secs_f64()
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let m = v.len() / 2;
    if v.len() % 2 == 0 {
        (v[m - 1] + v[m]) / 2.0
    } else {
        v[m]
    }
}

/// `(median, low, high)` of `ratios`.
fn summary(ratios: &mut [f64]) -> (f64, f64, f64) {
    let (lo, hi) = ratios
        .iter()
        .fold((f64::MAX, f64::MIN), |(l, h), r| (l.min(*r), h.max(*r)));
    (median(ratios), lo, hi)
}

fn main() {
    let n = arg(1, 2000);
    let pairs = arg(2, 9);
    let files = [temp_file("ours"), temp_file("same"), temp_file("one")];
    let router = counter_core::App::router().build();
    let bindings = Arc::new(StoreBindings::resolve(counter_core::App::stores(), &|_| {
        None
    }));
    let provider: Rc<dyn StoreProvider> = Rc::new(NativeProvider::new(files[0].clone()));
    let same = bare_service(&files[1], false);
    let one = bare_service(&files[2], true);
    // One worker as the native server runs it: a current-thread runtime.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        run_ours(&router, &bindings, &provider, n / 10 + 1).await;
        run_bare(&same, n / 10 + 1).await;
        run_bare(&one, n / 10 + 1).await;
        println!("{pairs} rounds of {n} requests (ours, bare same work, bare one transaction)");
        let (mut vs_same, mut vs_one) = (Vec::new(), Vec::new());
        for i in 1..=pairs {
            let a = run_ours(&router, &bindings, &provider, n).await;
            let b = run_bare(&same, n).await;
            let c = run_bare(&one, n).await;
            vs_same.push(a / b);
            vs_one.push(a / c);
            println!(
                "  round {i:2}: ours {a:6.0}  same work {b:6.0}  one transaction {c:6.0} req/s   ratios {:.3} {:.3}",
                a / b,
                a / c
            );
        }
        let (m, lo, hi) = summary(&mut vs_same);
        println!("median ratio ours / bare same work: {m:.3} (range {lo:.3}-{hi:.3}; goal >= 0.95)");
        let (m, lo, hi) = summary(&mut vs_one);
        println!("median ratio ours / bare one transaction: {m:.3} (range {lo:.3}-{hi:.3})");
    });
    for file in files {
        let _ = std::fs::remove_file(file);
    }
}
