//! The Compression middleware (feature `compression`): what is compressed, what is not, and
//! that the bytes decode to the original, buffered and streamed.

use std::io::Read;

use edgezero_core::http::{self, Method};
use edgezero_core::middleware::{Compression, ConditionalGet};
use edgezero_core::response::sse::{Event, Sse};
use edgezero_core::{Body, Bytes, Response, Router};
use edgezero_testkit::{TestApp, TestResponse};

fn page() -> String {
    "<p>an edge page that compresses well</p>\n".repeat(100)
}

fn router() -> Router {
    Router::new()
        .get("/page", || async { edgezero_core::Html(page()) })
        .get("/small", || async { "tiny" })
        .get("/png", || async {
            ([("content-type", "image/png")], page())
        })
        .get("/no-transform", || async {
            ([("cache-control", "no-transform")], page())
        })
        .get("/stream", || async {
            let chunks = (0..50).map(|i| {
                Ok::<_, std::io::Error>(Bytes::from(format!("line {i} of a long stream\n")))
            });
            Response::new(Body::from_stream(futures_util::stream::iter(chunks)))
        })
        .get("/events", || async {
            Sse::new(futures_util::stream::iter((0..100).map(|i| {
                Ok::<_, std::io::Error>(Event::new().data(format!("event {i}")))
            })))
        })
        .layer(Compression::new())
        .layer(ConditionalGet::new())
}

fn get(uri: &str, accept: Option<&str>, method: Method) -> TestResponse {
    let mut req = http::Request::builder().method(method).uri(uri);
    if let Some(accept) = accept {
        req = req.header("accept-encoding", accept);
    }
    TestApp::new(router()).send(req.body(Body::Empty).unwrap())
}

fn gunzip(bytes: &[u8]) -> String {
    let mut out = String::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_string(&mut out)
        .unwrap();
    out
}

fn unbrotli(bytes: &[u8]) -> String {
    let mut out = String::new();
    brotli::Decompressor::new(bytes, 4096)
        .read_to_string(&mut out)
        .unwrap();
    out
}

#[test]
fn brotli_or_gzip_by_accept_encoding() {
    let br = get("/page", Some("gzip, deflate, br"), Method::GET);
    assert_eq!(br.header("content-encoding"), Some("br"));
    assert_eq!(br.header("vary"), Some("Accept-Encoding"));
    assert!(
        br.bytes().len() < page().len() / 5,
        "{} bytes",
        br.bytes().len()
    );
    assert_eq!(
        br.header("content-length"),
        Some(br.bytes().len().to_string().as_str())
    );
    assert_eq!(unbrotli(br.bytes()), page());
    let gz = get("/page", Some("gzip"), Method::GET);
    assert_eq!(gz.header("content-encoding"), Some("gzip"));
    assert_eq!(gunzip(gz.bytes()), page());
    let tag = gz.header("etag").unwrap();
    assert!(tag.starts_with("W/\""), "a strong tag becomes weak: {tag}");
    let plain = get("/page", None, Method::GET);
    assert_eq!(plain.header("content-encoding"), None);
    assert_eq!(plain.header("vary"), Some("Accept-Encoding"));
    assert_eq!(plain.text(), page());
}

#[test]
fn small_compressed_and_no_transform_bodies_are_left_alone() {
    for path in ["/small", "/png", "/no-transform"] {
        let resp = get(path, Some("br, gzip"), Method::GET);
        assert_eq!(resp.header("content-encoding"), None, "{path}");
    }
    let head = get("/page", Some("br"), Method::HEAD);
    assert_eq!(head.header("content-encoding"), None);
}

#[test]
fn a_stream_is_compressed_chunk_by_chunk() {
    let resp = get("/stream", Some("gzip"), Method::GET);
    assert_eq!(resp.header("content-encoding"), Some("gzip"));
    let expected: String = (0..50)
        .map(|i| format!("line {i} of a long stream\n"))
        .collect();
    assert_eq!(gunzip(resp.bytes()), expected);
    let resp = get("/stream", Some("br"), Method::GET);
    assert_eq!(unbrotli(resp.bytes()), expected);
}

#[test]
fn event_streams_are_never_compressed() {
    let resp = get("/events", Some("br, gzip"), Method::GET);
    assert_eq!(resp.header("content-encoding"), None);
    assert!(resp.text().contains("data: event 99"));
}
