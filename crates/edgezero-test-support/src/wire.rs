//! A plain HTTP/1.1 reader for tests that move large bodies: [`read_answer`] decodes a
//! `chunked` or `Content-Length` body piece by piece into a [`Checksum`], keeping the bytes
//! only when asked, so a 50 MiB download costs no memory in the test itself.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use crate::pattern::Checksum;

/// A connection to `addr` whose reads give up after 60 s.
pub fn connect(addr: SocketAddr) -> TcpStream {
    let s = TcpStream::connect(addr).expect("connect to the server under test");
    s.set_read_timeout(Some(Duration::from_secs(60)))
        .expect("set a read timeout");
    s
}

/// Sends `head` (request line and headers, without the blank line) with `body` on a new
/// connection (`Content-Length`, `Connection: close`) and reads the whole answer.
///
/// A server may answer before it has read the whole body — a 413 for a declared oversize
/// body — and close: the rest of the body then cannot be written (a broken pipe or a
/// reset), and the answer, already sent, is read all the same.
pub fn send(addr: SocketAddr, head: &str, body: &[u8]) -> Answer {
    let mut s = connect(addr);
    write!(
        s,
        "{head}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .expect("write the request head");
    if let Err(e) = s.write_all(body) {
        let closed = matches!(
            e.kind(),
            std::io::ErrorKind::BrokenPipe | std::io::ErrorKind::ConnectionReset
        );
        assert!(closed, "write the request body: {e}");
    }
    read_answer(s, true).expect("read the answer")
}

/// `method path` with `headers` (a `Host` of `addr` unless given) and `body`, sent with
/// [`send`].
pub fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Answer {
    let mut head = format!("{method} {path} HTTP/1.1");
    if !headers.iter().any(|(n, _)| n.eq_ignore_ascii_case("host")) {
        head.push_str(&format!("\r\nhost: {addr}"));
    }
    for (n, v) in headers {
        head.push_str(&format!("\r\n{n}: {v}"));
    }
    send(addr, &head, body)
}

/// `PUT path` on `stream` with a `size`-byte [`pattern`](crate::pattern::pattern) body,
/// written in 256 KiB pieces as it is made (never held whole), and its answer, kept.
pub fn upload_pattern(mut stream: TcpStream, path: &str, size: u64) -> Answer {
    write!(
        stream,
        "PUT {path} HTTP/1.1\r\nHost: e\r\nContent-Length: {size}\r\nConnection: close\r\n\r\n"
    )
    .expect("write the request head");
    let mut sent = 0u64;
    while sent < size {
        let len = (256 * 1024).min(size - sent);
        stream
            .write_all(&crate::pattern::pattern(sent, len as usize))
            .expect("write the request body");
        sent += len;
    }
    read_answer(stream, true).expect("read the answer")
}

/// `GET path` on `stream`; the answer's body is checksummed, not kept.
pub fn download(mut stream: TcpStream, path: &str) -> Answer {
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: e\r\nConnection: close\r\n\r\n"
    )
    .expect("write the request");
    read_answer(stream, false).expect("read the answer")
}

/// A response read from the wire: its body kept (when asked) and always checksummed.
pub struct Answer {
    /// The status code (0 when the status line was unreadable).
    pub status: u16,
    /// Header lines as `(lower-case name, value)`, in order.
    pub headers: Vec<(String, String)>,
    /// The body, when kept.
    pub body: Vec<u8>,
    /// The checksum of the whole body.
    pub sum: Checksum,
    /// False when the connection ended before the body was complete.
    pub complete: bool,
}

impl Answer {
    /// Every value of header `name` (lower case), in order.
    pub fn header(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// The first value of header `name` (any case).
    pub fn first(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The kept body as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The kept body as JSON; panics with the text when it is not.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }
}

/// Reads one response, decoding `chunked` or `Content-Length` bodies piece by piece; `keep`
/// says whether to keep the body bytes (a 50 MiB download is only checksummed).
pub fn read_answer(stream: TcpStream, keep: bool) -> std::io::Result<Answer> {
    let mut r = BufReader::with_capacity(64 * 1024, stream);
    let mut line = String::new();
    r.read_line(&mut line)?;
    let status = line.get(9..12).and_then(|s| s.parse().ok()).unwrap_or(0);
    let mut headers = Vec::new();
    loop {
        line.clear();
        r.read_line(&mut line)?;
        let l = line.trim_end();
        if l.is_empty() {
            break;
        }
        if let Some((k, v)) = l.split_once(':') {
            headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
        }
    }
    let mut answer = Answer {
        status,
        headers,
        body: Vec::new(),
        sum: Checksum::new(),
        complete: true,
    };
    let take = |r: &mut BufReader<TcpStream>, mut n: u64, a: &mut Answer| -> bool {
        let mut buf = vec![0u8; 64 * 1024];
        while n > 0 {
            let want = n.min(buf.len() as u64) as usize;
            match r.read(&mut buf[..want]) {
                Ok(0) | Err(_) => return false,
                Ok(got) => {
                    a.sum.update(&buf[..got]);
                    if keep {
                        a.body.extend_from_slice(&buf[..got]);
                    }
                    n -= got as u64;
                }
            }
        }
        true
    };
    let chunked = answer
        .header("transfer-encoding")
        .iter()
        .any(|v| v.eq_ignore_ascii_case("chunked"));
    if chunked {
        loop {
            line.clear();
            if r.read_line(&mut line).unwrap_or(0) == 0 {
                answer.complete = false;
                break;
            }
            let size = u64::from_str_radix(line.trim().split(';').next().unwrap_or(""), 16);
            let Ok(size) = size else {
                answer.complete = false;
                break;
            };
            if size == 0 {
                break;
            }
            if !take(&mut r, size, &mut answer) {
                answer.complete = false;
                break;
            }
            line.clear();
            r.read_line(&mut line)?;
        }
    } else if let Some(len) = answer
        .header("content-length")
        .first()
        .and_then(|v| v.parse::<u64>().ok())
    {
        answer.complete = take(&mut r, len, &mut answer);
    }
    Ok(answer)
}

#[cfg(test)]
mod tests {
    use std::io::{BufRead, BufReader, Write};
    use std::net::TcpListener;

    /// A server that answers 413 as soon as it has read the head, then closes with most of
    /// the body unread (the socket is reset): `send` still returns the answer.
    #[test]
    fn an_answer_sent_before_the_body_is_read_is_returned() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let server = std::thread::spawn(move || {
            let (stream, _) = listener.accept().unwrap();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            while reader.read_line(&mut line).unwrap() > 2 {
                line.clear();
            }
            let mut w = stream;
            w.write_all(b"HTTP/1.1 413 Payload Too Large\r\ncontent-length: 8\r\nconnection: close\r\n\r\ntoo big\n")
                .unwrap();
            // Dropped with the body unread: the kernel resets the connection.
        });
        let answer = super::send(addr, "POST / HTTP/1.1\r\nHost: t", &vec![b'x'; 8 << 20]);
        server.join().unwrap();
        assert_eq!(answer.status, 413);
        assert_eq!(answer.text(), "too big\n");
    }
}
