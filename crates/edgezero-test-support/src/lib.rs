//! # EdgeZero test support
//!
//! The fixtures this repository's own tests share: the servers, clients and requests that
//! check adapters, the embedded Spin host, the CLI and the examples from the outside, over
//! real sockets. It is not published: an app's tests depend on
//! [`edgezero-testkit`](edgezero_testkit) (`TestApp`, in-memory stores, contract suites,
//! `FakeHttp`), which needs none of this.
//!
//! | module | feature | what it is |
//! |---|---|---|
//! | `origin` | `origin` | a loopback HTTP/1.1 origin on its own thread (echo, cookies, slow or failing streams, a hanging route, any status, a request counter), for outbound-HTTP and proxy tests and the origin that [`edgezero_testkit::contract::http_client_suite`] runs against |
//! | [`wire`] | — | a raw HTTP/1.1 client: sends a request head and body as written, reads the answer piece by piece into a checksum, keeping the body only when asked |
//! | [`crash`] | — | clients that load a server process until it is killed with `SIGKILL`, for durability tests |
//! | [`hostile`] | — | a streamed upload of any size, for body-limit tests through a proxy |
//! | [`process_memory`] | — | this process's resident and peak memory from `/proc/self` (Linux), for bounded-memory streaming tests |
//! | `browser` | `browser` | a headless Chromium over WebDriver (`chromium` and `chromedriver` installed), for page tests |
//! | [`pattern`] | — | deterministic bodies and their checksum: [`edgezero_testkit::pattern`], re-exported, so the origin, the wire client and the HTTP-client suite agree on one definition |
//!
//! Everything here runs on the host (sockets, threads, `/proc`); nothing is meant for a
//! WebAssembly component. Helpers panic with a message on a broken test host (no loopback
//! port, no `/proc`) rather than return errors a test would only unwrap; the browser's steps
//! return [`BrowserError`](browser::BrowserError) because a page test wants to save a
//! screenshot before it fails.
//!
//! ```
//! use edgezero_test_support::wire;
//! use std::io::{BufRead, BufReader, Write};
//! use std::net::TcpListener;
//!
//! // A one-shot server, and the raw client reading its answer.
//! let listener = TcpListener::bind("127.0.0.1:0").unwrap();
//! let addr = listener.local_addr().unwrap();
//! let server = std::thread::spawn(move || {
//!     let (stream, _) = listener.accept().unwrap();
//!     let mut reader = BufReader::new(stream.try_clone().unwrap());
//!     let mut line = String::new();
//!     while reader.read_line(&mut line).unwrap() > 2 {
//!         line.clear();
//!     }
//!     let mut w = stream;
//!     w.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nhi").unwrap();
//! });
//! let answer = wire::request(addr, "GET", "/", &[], b"");
//! server.join().unwrap();
//! assert_eq!((answer.status, answer.text().as_str()), (200, "hi"));
//! ```

#![warn(missing_docs)]

#[cfg(feature = "browser")]
pub mod browser;
pub mod crash;
pub mod hostile;
#[cfg(feature = "origin")]
pub mod origin;
pub mod process_memory;
pub mod wire;

pub use edgezero_testkit::pattern;
