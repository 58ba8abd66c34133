//! The proxy example served natively in-process, its config in a SQLite file written in
//! Spin's format (what `edgezero config push --local` writes), and a plain HTTP/1.1 client
//! that reads bodies as they stream.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::time::Duration;

use edgezero_adapter_native::{bind, ServerConfig};
use edgezero_core::App;
use edgezero_testkit::pattern::Checksum;

pub struct Gateway {
    pub addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<std::io::Result<()>>>,
    _dir: tempfile::TempDir,
}

/// Writes `origin.base_url` (when given) into the `app_config` label of a fresh KV file.
fn config_file(dir: &Path, base_url: Option<&str>) -> std::path::PathBuf {
    let path = dir.join("sqlite_key_value.db");
    let conn = edgezero_spin_sqlite::open(&path).unwrap();
    if let Some(url) = base_url {
        edgezero_spin_sqlite::set(&conn, "app_config", "origin.base_url", url.as_bytes()).unwrap();
    }
    path
}

impl Gateway {
    /// The gateway in front of `base_url`, with a 64 MiB body limit and `http_timeout`.
    pub fn start(base_url: Option<&str>, http_timeout: Duration) -> Gateway {
        Gateway::start_with(base_url, http_timeout, 64 << 20)
    }

    pub fn start_with(base_url: Option<&str>, http_timeout: Duration, max_body: usize) -> Gateway {
        let dir = tempfile::tempdir().unwrap();
        let config = ServerConfig {
            addr: "127.0.0.1:0".parse().unwrap(),
            kv_path: config_file(dir.path(), base_url),
            max_body_bytes: max_body,
            workers: 2,
            header_read_timeout: Duration::from_secs(10),
            http_timeout,
        };
        let router = proxy_core::App::router().build();
        let (server, handle) = bind(router, proxy_core::App::stores(), config).unwrap();
        let addr = server.local_addr().unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            server.serve(handle, async {
                let _ = stopped.await;
            })
        });
        Gateway {
            addr,
            stop: Some(stop),
            thread: Some(thread),
            _dir: dir,
        }
    }

    pub fn connect(&self) -> TcpStream {
        let s = TcpStream::connect(self.addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
        s
    }

    /// Sends `head` (request line and headers, without the blank line) with `body`, and
    /// reads the whole answer.
    pub fn send(&self, head: &str, body: &[u8]) -> Answer {
        let mut s = self.connect();
        write!(
            s,
            "{head}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        )
        .unwrap();
        s.write_all(body).unwrap();
        read_answer(s, true).unwrap()
    }

    pub fn get(&self, path: &str) -> Answer {
        self.send(&format!("GET {path} HTTP/1.1\r\nHost: edge.test"), b"")
    }
}

impl Drop for Gateway {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// A response read from the wire: its body kept (when asked) and always checksummed.
pub struct Answer {
    pub status: u16,
    /// Header lines as `(lower-case name, value)`, in order.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub sum: Checksum,
    /// False when the connection ended before the body was complete.
    pub complete: bool,
}

impl Answer {
    pub fn header(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

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
