//! A server for the load comparison: `bench-server edgezero|hyper ADDR`.
//! Both answer `GET /hello` with `hello, world` using 2 worker threads.

use std::convert::Infallible;
use std::net::SocketAddr;

use bytes::Bytes;
use http_body_util::Full;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;

const BODY: &str = "hello, world";

fn main() {
    let mut args = std::env::args().skip(1);
    let kind = args.next().unwrap_or_default();
    let addr: SocketAddr = args.next().and_then(|a| a.parse().ok()).unwrap_or_else(|| {
        eprintln!("usage: bench-server edgezero|hyper ADDR");
        std::process::exit(2)
    });
    match kind.as_str() {
        "edgezero" => edgezero(addr),
        "hyper" => bare_hyper(addr),
        _ => {
            eprintln!("usage: bench-server edgezero|hyper ADDR");
            std::process::exit(2)
        }
    }
}

fn edgezero(addr: SocketAddr) {
    let router = edgezero_core::Router::new().get("/hello", || async { BODY });
    let config = edgezero_adapter_native::ServerConfig {
        addr,
        kv_path: std::env::temp_dir().join("edgezero-bench.db"),
        max_body_bytes: 1 << 20,
        workers: 2,
        header_read_timeout: edgezero_adapter_native::DEFAULT_HEADER_READ_TIMEOUT,
        http_timeout: edgezero_core::fetch::DEFAULT_TIMEOUT,
    };
    let (server, handle) =
        edgezero_adapter_native::bind(router, &edgezero_core::StoreMetadata::NONE, config)
            .expect("bind");
    server.serve(handle, std::future::pending()).expect("serve");
}

fn bare_hyper(addr: SocketAddr) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(addr).await.expect("bind");
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let _ = stream.set_nodelay(true);
            tokio::spawn(async move {
                let svc = service_fn(|_req| async {
                    let mut resp =
                        http::Response::new(Full::new(Bytes::from_static(BODY.as_bytes())));
                    resp.headers_mut()
                        .insert("content-type", "text/plain; charset=utf-8".parse().unwrap());
                    Ok::<_, Infallible>(resp)
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), svc)
                    .await;
            });
        }
    });
}
