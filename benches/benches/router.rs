//! In-process dispatch through EdgeZero's router and axum's, on the same 50-route table
//! with trivial handlers, in the same run. Prints the time ratio (goal: ours ≤ 1.0×).
//!
//! `cargo bench -p edgezero-benches --bench router`

use std::time::Duration;

use criterion::{black_box, Criterion};
use edgezero_core::{Body, Router, Stores};
use tower::ServiceExt;

fn edgezero_router() -> Router {
    edgezero_benches::route_table()
        .into_iter()
        .fold(Router::new(), |r, (pattern, _)| {
            r.get(&pattern, || async { "ok" })
        })
}

fn axum_router() -> axum::Router {
    edgezero_benches::route_table()
        .into_iter()
        .fold(axum::Router::new(), |r, (pattern, _)| {
            r.route(&pattern, axum::routing::get(|| async { "ok" }))
        })
}

fn main() {
    let paths: Vec<String> = edgezero_benches::route_table()
        .into_iter()
        .map(|(_, p)| p)
        .collect();
    let ours = edgezero_router();
    let theirs = axum_router();
    let mut c = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .configure_from_args();
    let mut group = c.benchmark_group("router_50_routes");
    group.bench_function("edgezero", |b| {
        let mut i = 0;
        b.iter(|| {
            i = (i + 1) % paths.len();
            let req = http::Request::get(paths[i].as_str())
                .body(Body::Empty)
                .unwrap();
            let resp = futures_executor::block_on(ours.handle(req, Stores::none()));
            black_box(resp.status())
        })
    });
    group.bench_function("axum", |b| {
        let mut i = 0;
        b.iter(|| {
            i = (i + 1) % paths.len();
            let req = http::Request::get(paths[i].as_str())
                .body(axum::body::Body::empty())
                .unwrap();
            let resp = futures_executor::block_on(theirs.clone().oneshot(req)).unwrap();
            black_box(resp.status())
        })
    });
    group.finish();
    c.final_summary();
    report_ratio();
}

fn mean_ns(bench: &str) -> Option<f64> {
    let dir = std::env::var("CARGO_TARGET_DIR")
        .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/../target").into());
    let path = format!("{dir}/criterion/router_50_routes/{bench}/new/estimates.json");
    let text = std::fs::read_to_string(path).ok()?;
    let v: serde_json::Value = serde_json::from_str(&text).ok()?;
    v["mean"]["point_estimate"].as_f64()
}

fn report_ratio() {
    match (mean_ns("edgezero"), mean_ns("axum")) {
        (Some(ours), Some(axum)) => println!(
            "\nrouter dispatch, 50 routes: edgezero {ours:.0} ns, axum {axum:.0} ns per request; ratio {:.2}x (goal <= 1.00x)",
            ours / axum
        ),
        _ => println!("\n(could not read criterion estimates to print the ratio)"),
    }
}
