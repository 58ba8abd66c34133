//! Requests a hostile or careless client sends, for the tests that check every server answers
//! them the same way: paths that try to leave a reverse proxy's prefix, and client mistakes
//! (an oversize streamed upload, a malformed chunk, an oversize header) that must keep their
//! 4xx through a proxy rather than be blamed on the origin.

use std::io::Write;
use std::net::SocketAddr;
use std::time::Duration;

use crate::wire::{connect, read_answer, Answer};

/// Paths (after a proxied prefix such as `/api/`) that an origin would resolve outside the
/// proxied base path: `..` hidden behind encoded separators (`%2f`, `%5c`, any case), double
/// and triple encoding, `;` parameters and NUL. A proxy must refuse each one with 400 without
/// contacting the origin.
pub const PATH_ESCAPES: &[&str] = &[
    "..%2fprivate/secret.txt",
    "..%2Fprivate/secret.txt",
    "%2e%2e%2fprivate/secret.txt",
    "%2E%2E%2Fprivate/secret.txt",
    "x/..%2f..%2fprivate/secret.txt",
    ".%2e/private/secret.txt",
    "..%5cprivate/secret.txt",
    "%2e%2e%5Cprivate/secret.txt",
    "%252e%252e%252fprivate/secret.txt",
    "..%252fprivate/secret.txt",
    "%25252e%25252e%25252fprivate/secret.txt",
    "..;x=1/private/secret.txt",
    "..%3b/private/secret.txt",
    "..%00/private/secret.txt",
];

/// Paths that look alike but stay inside the prefix, which a proxy forwards.
pub const PATH_LOOKALIKES: &[&str] = &["a..b/c", "...", "v1.2/x", "a%2fb", "x..%2fy"];

/// Streams a `chunked` upload of `total` bytes (64 KiB chunks) to `path` and reads the
/// answer; the server may answer and close before the upload ends.
pub fn chunked_upload(addr: SocketAddr, path: &str, total: usize) -> Answer {
    let stream = connect(addr);
    let mut writer = stream.try_clone().expect("clone the connection");
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: e\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    );
    let feeder = std::thread::spawn(move || {
        if writer.write_all(head.as_bytes()).is_err() {
            return;
        }
        let chunk = vec![b'y'; 64 * 1024];
        let mut sent = 0;
        while sent < total {
            let len = chunk.len().min(total - sent);
            if write!(writer, "{len:x}\r\n").is_err()
                || writer.write_all(&chunk[..len]).is_err()
                || writer.write_all(b"\r\n").is_err()
            {
                return;
            }
            sent += len;
        }
        let _ = writer.write_all(b"0\r\n\r\n");
    });
    let answer = read_answer(stream, true).expect("read the answer");
    let _ = feeder.join();
    answer
}

/// A `chunked` upload whose first chunk is fine and whose second chunk size is not hex:
/// the server learns of the mistake only after the request was handed on.
pub fn malformed_chunk(addr: SocketAddr, path: &str) -> Answer {
    let mut stream = connect(addr);
    write!(
        stream,
        "POST {path} HTTP/1.1\r\nHost: e\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\nhello\r\n"
    )
    .expect("write the request head");
    // Let the request reach the handler (and the origin) before the bad chunk arrives.
    std::thread::sleep(Duration::from_millis(200));
    let _ = stream.write_all(b"zz-not-hex\r\nmore\r\n0\r\n\r\n");
    read_answer(stream, true).expect("read the answer")
}

/// `GET path` with one header of `bytes` bytes.
pub fn big_header(addr: SocketAddr, path: &str, bytes: usize) -> Answer {
    let mut stream = connect(addr);
    let value = "v".repeat(bytes);
    let written = write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: e\r\nX-Big: {value}\r\nConnection: close\r\n\r\n"
    );
    if let Err(e) = written {
        let closed = matches!(
            e.kind(),
            std::io::ErrorKind::BrokenPipe | std::io::ErrorKind::ConnectionReset
        );
        assert!(closed, "write the request: {e}");
    }
    read_answer(stream, true).expect("read the answer")
}
