//! A plain HTTP/1.1 client over `TcpStream`: one connection per request
//! (`connection: close`), the request written exactly as the file says (malformed ones
//! included), and the answer read whole, `chunked` or by `content-length`, noting a body
//! that ends early and when each part of it arrived.

use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::time::{Duration, Instant};

/// A request ready for the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outgoing {
    /// Method, target, headers and body; the client adds `host`, `content-length` (or
    /// `transfer-encoding: chunked`) and `connection: close` unless given.
    Parts {
        /// The method.
        method: String,
        /// Path and query.
        target: String,
        /// Header lines in order.
        headers: Vec<(String, Vec<u8>)>,
        /// The body.
        body: Vec<u8>,
        /// Send the body in 64 KiB chunks.
        chunked: bool,
    },
    /// Bytes written as they are.
    Raw(Vec<u8>),
}

/// An answer as read from the wire.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Answer {
    /// The status code.
    pub status: u16,
    /// `(lower-case name, value)` in order.
    pub headers: Vec<(String, String)>,
    /// The body (de-chunked).
    pub body: Vec<u8>,
    /// False when the connection ended before the body did.
    pub complete: bool,
    /// When the body grew: `(bytes received so far, time since the answer was awaited)`,
    /// one entry per chunk (`chunked`) or per read.
    pub arrivals: Vec<(usize, Duration)>,
    /// When the body ended (or was cut), since the answer was awaited.
    pub ended: Duration,
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

    /// When the body first contained `text` (since the answer was awaited).
    pub fn arrival_of(&self, text: &[u8]) -> Option<Duration> {
        self.arrivals
            .iter()
            .find(|(len, _)| {
                self.body[..(*len).min(self.body.len())]
                    .windows(text.len())
                    .any(|w| w == text)
            })
            .map(|(_, at)| *at)
    }
}

/// The bytes of the request head (everything before the body) and the body frames.
pub fn encode(out: &Outgoing, addr: SocketAddr) -> (Vec<u8>, Vec<Vec<u8>>) {
    let (method, target, headers, body, chunked) = match out {
        Outgoing::Raw(raw) => return (raw.clone(), Vec::new()),
        Outgoing::Parts {
            method,
            target,
            headers,
            body,
            chunked,
        } => (method, target, headers, body, *chunked),
    };
    let has = |name: &str| headers.iter().any(|(n, _)| n.eq_ignore_ascii_case(name));
    let mut head = format!("{method} {target} HTTP/1.1\r\n").into_bytes();
    if !has("host") {
        head.extend_from_slice(format!("host: {addr}\r\n").as_bytes());
    }
    for (name, value) in headers {
        head.extend_from_slice(name.as_bytes());
        head.extend_from_slice(b": ");
        head.extend_from_slice(value);
        head.extend_from_slice(b"\r\n");
    }
    let mut frames = Vec::new();
    if chunked {
        if !has("transfer-encoding") {
            head.extend_from_slice(b"transfer-encoding: chunked\r\n");
        }
        for chunk in body.chunks(64 * 1024) {
            let mut frame = format!("{:x}\r\n", chunk.len()).into_bytes();
            frame.extend_from_slice(chunk);
            frame.extend_from_slice(b"\r\n");
            frames.push(frame);
        }
        frames.push(b"0\r\n\r\n".to_vec());
    } else {
        // A GET without a body says nothing of one, as clients do.
        let bodyless = matches!(method.as_str(), "GET" | "HEAD" | "DELETE" | "OPTIONS");
        let declare = !bodyless || !body.is_empty();
        if declare && !has("content-length") {
            head.extend_from_slice(format!("content-length: {}\r\n", body.len()).as_bytes());
        }
        for piece in body.chunks(256 * 1024) {
            frames.push(piece.to_vec());
        }
    }
    if !has("connection") {
        head.extend_from_slice(b"connection: close\r\n");
    }
    head.extend_from_slice(b"\r\n");
    (head, frames)
}

/// Sends `out` to `addr` and reads the answer; reads give up after `timeout`.
///
/// The request is written on its own thread while the answer is read: a server may answer
/// before it has read the whole request (a 413 for a declared oversize body, a 431 for a
/// huge header) and stop reading or close, and that answer is what counts. Once it is read
/// the connection is shut, which ends a write still waiting.
pub fn send(addr: SocketAddr, out: &Outgoing, timeout: Duration) -> std::io::Result<Answer> {
    let stream = TcpStream::connect_timeout(&addr, Duration::from_secs(10))?;
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(timeout))?;
    let (head, frames) = encode(out, addr);
    let is_head = matches!(out, Outgoing::Parts { method, .. } if method == "HEAD");
    let mut writer = stream.try_clone()?;
    let written = std::thread::spawn(move || {
        std::iter::once(&head)
            .chain(&frames)
            .try_for_each(|piece| writer.write_all(piece))
    });
    let answer = read_answer(&stream, is_head);
    let _ = stream.shutdown(Shutdown::Both);
    let written = written.join().unwrap_or(Ok(()));
    match (answer, written) {
        (Ok(answer), _) => Ok(answer),
        (Err(e), Err(w))
            if !matches!(w.kind(), ErrorKind::BrokenPipe | ErrorKind::ConnectionReset) =>
        {
            Err(std::io::Error::new(
                w.kind(),
                format!("{e} (sending the request failed: {w})"),
            ))
        }
        (Err(e), _) => Err(e),
    }
}

/// Reads one answer (skipping `1xx`); `head`: the request was `HEAD` (no body follows).
pub fn read_answer(stream: impl Read, head: bool) -> std::io::Result<Answer> {
    let start = Instant::now();
    let mut r = BufReader::new(stream);
    let mut line = String::new();
    let (status, headers) = loop {
        line.clear();
        if r.read_line(&mut line)? == 0 {
            return Err(std::io::Error::new(
                ErrorKind::UnexpectedEof,
                "the server closed the connection without answering",
            ));
        }
        let status: u16 = line
            .strip_prefix("HTTP/1.")
            .and_then(|rest| rest.get(2..5))
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| {
                std::io::Error::new(
                    ErrorKind::InvalidData,
                    format!("not an HTTP status line: {:?}", line.trim_end()),
                )
            })?;
        let mut headers = Vec::new();
        loop {
            line.clear();
            r.read_line(&mut line)?;
            let l = line.trim_end_matches(['\r', '\n']);
            if l.is_empty() {
                break;
            }
            if let Some((k, v)) = l.split_once(':') {
                headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
            }
        }
        if !(100..200).contains(&status) || status == 101 {
            break (status, headers);
        }
    };
    let mut answer = Answer {
        status,
        headers,
        complete: true,
        ..Answer::default()
    };
    if head || status == 204 || status == 304 {
        answer.ended = start.elapsed();
        return Ok(answer);
    }
    let chunked = answer
        .header("transfer-encoding")
        .iter()
        .any(|v| v.to_ascii_lowercase().contains("chunked"));
    let length = answer
        .header("content-length")
        .first()
        .and_then(|v| v.parse::<u64>().ok());
    let mut body = Timed {
        start,
        answer: &mut answer,
    };
    let complete = if chunked {
        read_chunks(&mut r, &mut body)
    } else if let Some(len) = length {
        body.read_from((&mut r).take(len)) && answer.body.len() as u64 == len
    } else {
        body.read_from(&mut r)
    };
    answer.complete = complete;
    answer.ended = start.elapsed();
    Ok(answer)
}

/// An answer's body as it is read, noting when each part arrived.
struct Timed<'a> {
    start: Instant,
    answer: &'a mut Answer,
}

impl Timed<'_> {
    fn push(&mut self, bytes: &[u8]) {
        self.answer.body.extend_from_slice(bytes);
        let at = self.start.elapsed();
        self.answer.arrivals.push((self.answer.body.len(), at));
    }

    /// Reads `r` to its end; false when a read fails.
    fn read_from(&mut self, mut r: impl Read) -> bool {
        let mut buf = [0u8; 16 * 1024];
        loop {
            match r.read(&mut buf) {
                Ok(0) => return true,
                Ok(n) => self.push(&buf[..n]),
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(_) => return false,
            }
        }
    }
}

/// De-chunks into `body`; false when the body ends before its last chunk.
fn read_chunks(r: &mut impl BufRead, body: &mut Timed<'_>) -> bool {
    let mut line = String::new();
    loop {
        line.clear();
        if r.read_line(&mut line).unwrap_or(0) == 0 {
            return false;
        }
        let size = line.trim().split(';').next().unwrap_or("");
        let Ok(size) = usize::from_str_radix(size, 16) else {
            return false;
        };
        if size == 0 {
            // Trailers, then the blank line.
            loop {
                line.clear();
                match r.read_line(&mut line) {
                    Ok(0) | Err(_) => return true,
                    Ok(_) if line.trim().is_empty() => return true,
                    Ok(_) => {}
                }
            }
        }
        let mut chunk = Vec::with_capacity(size.min(1 << 20));
        let got = r.take(size as u64).read_to_end(&mut chunk);
        body.push(&chunk);
        if got.is_err() || chunk.len() != size {
            return false;
        }
        line.clear();
        if r.read_line(&mut line).is_err() {
            return false;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr() -> SocketAddr {
        "127.0.0.1:8080".parse().unwrap()
    }

    #[test]
    fn encode_adds_host_length_and_close_unless_given() {
        let out = Outgoing::Parts {
            method: "POST".into(),
            target: "/create".into(),
            headers: vec![("content-type".into(), b"application/json".to_vec())],
            body: b"{}".to_vec(),
            chunked: false,
        };
        let (head, frames) = encode(&out, addr());
        assert_eq!(
            String::from_utf8(head).unwrap(),
            "POST /create HTTP/1.1\r\nhost: 127.0.0.1:8080\r\ncontent-type: application/json\r\ncontent-length: 2\r\nconnection: close\r\n\r\n"
        );
        assert_eq!(frames, vec![b"{}".to_vec()]);
        let get = Outgoing::Parts {
            method: "GET".into(),
            target: "/".into(),
            headers: vec![("Host".into(), b"edge.test".to_vec())],
            body: Vec::new(),
            chunked: false,
        };
        let (head, _) = encode(&get, addr());
        assert_eq!(
            String::from_utf8(head).unwrap(),
            "GET / HTTP/1.1\r\nHost: edge.test\r\nconnection: close\r\n\r\n"
        );
    }

    #[test]
    fn encode_chunks_the_body() {
        let out = Outgoing::Parts {
            method: "PUT".into(),
            target: "/x".into(),
            headers: vec![],
            body: vec![b'y'; 70_000],
            chunked: true,
        };
        let (head, frames) = encode(&out, addr());
        assert!(String::from_utf8(head)
            .unwrap()
            .contains("transfer-encoding: chunked\r\n"));
        assert_eq!(frames.len(), 3);
        assert!(frames[0].starts_with(b"10000\r\n"));
        assert!(frames[1].starts_with(b"1170\r\n"));
        assert_eq!(frames[2], b"0\r\n\r\n");
    }

    #[test]
    fn read_answer_decodes_chunked_length_and_close_delimited_bodies() {
        let chunked = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-A: 1\r\nX-A: 2\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n";
        let a = read_answer(&chunked[..], false).unwrap();
        assert_eq!(a.status, 200);
        assert_eq!(a.body, b"hello world");
        assert_eq!(a.header("x-a"), ["1", "2"]);
        assert!(a.complete);

        let length = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 404 Not Found\r\ncontent-length: 3\r\n\r\nabcdef";
        let a = read_answer(&length[..], false).unwrap();
        assert_eq!(
            (a.status, a.body.as_slice(), a.complete),
            (404, &b"abc"[..], true)
        );

        let close = b"HTTP/1.0 200 OK\r\n\r\nuntil the end";
        assert_eq!(
            read_answer(&close[..], false).unwrap().body,
            b"until the end"
        );

        let head = b"HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\n";
        let a = read_answer(&head[..], true).unwrap();
        assert!(a.body.is_empty() && a.complete);
    }

    #[test]
    fn read_answer_notes_when_each_part_arrived() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let server = std::thread::spawn(move || {
            let (mut s, _) = listener.accept().unwrap();
            s.write_all(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nfirst\r\n")
                .unwrap();
            std::thread::sleep(Duration::from_millis(300));
            s.write_all(b"4\r\nlast\r\n0\r\n\r\n").unwrap();
        });
        let a = read_answer(TcpStream::connect(addr).unwrap(), false).unwrap();
        server.join().unwrap();
        assert_eq!(a.body, b"firstlast");
        assert_eq!(a.arrivals.len(), 2, "{:?}", a.arrivals);
        let first = a.arrival_of(b"first").unwrap();
        assert!(a.ended - first >= Duration::from_millis(250), "{a:?}");
        assert!(a.arrival_of(b"tl").unwrap() >= Duration::from_millis(250));
        assert_eq!(a.arrival_of(b"nowhere"), None);

        let whole = b"HTTP/1.1 200 OK\r\ncontent-length: 9\r\n\r\nfirstlast";
        let a = read_answer(&whole[..], false).unwrap();
        assert_eq!(a.arrivals.len(), 1);
        assert_eq!(a.arrival_of(b"first"), a.arrival_of(b"last"));
    }

    #[test]
    fn read_answer_notes_a_body_cut_short() {
        let cut = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n wo";
        let a = read_answer(&cut[..], false).unwrap();
        assert!(!a.complete);
        let short = b"HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nabc";
        assert!(!read_answer(&short[..], false).unwrap().complete);
        assert!(read_answer(&b""[..], false).is_err());
        assert!(read_answer(&b"garbage\r\n\r\n"[..], false).is_err());
    }
}
