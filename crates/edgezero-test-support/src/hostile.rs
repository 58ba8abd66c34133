//! Requests a careless client sends that a fixed conformance request cannot: a streamed
//! upload of any size, which must keep its 413 through a proxy rather than be blamed on the
//! origin. (Path escapes, malformed chunks and oversize headers are requests of
//! examples/proxy/conformance.toml.)

use std::io::Write;
use std::net::SocketAddr;

use crate::wire::{connect, read_answer, Answer};

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
