//! The loopback server `edgezero serve --adapter fastly` runs next to Viceroy, declared to
//! the app as the backend `edgezero_local_state` (the adapter's side:
//! `edgezero-adapter-fastly`'s `local_state` module):
//!
//! - `PUT /kv/<store>/<key>` (value in the body, `x-edgezero-generation`, optional
//!   `x-edgezero-metadata`) and `DELETE /kv/<store>/<key>`: the state of a key after a
//!   write, kept in the store's file when its generation is not older than the one kept.
//! - `POST /lock/<store>/<key>` waits until the key is free and answers its lease
//!   (`x-edgezero-lease`); `DELETE /lock/<store>/<key>` with the lease frees it. A lease
//!   not freed within [`LEASE`] (an instance that died) lapses.
//!
//! Store and key are percent-encoded path segments.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use anyhow::{anyhow, Result};
use tiny_http::{Header, Method, Response, Server};

use super::state::{Item, Items, State};

/// How long a lock is held at most.
pub const LEASE: Duration = Duration::from_secs(10);

/// How long a lock request waits for the key at most.
const LOCK_WAIT: Duration = Duration::from_secs(30);

const GENERATION: &str = "x-edgezero-generation";
const METADATA: &str = "x-edgezero-metadata";
const LEASE_HEADER: &str = "x-edgezero-lease";

struct Store {
    items: Items,
    generations: HashMap<String, u128>,
}

struct Shared {
    state: State,
    stores: Mutex<HashMap<String, Store>>,
    locks: Mutex<HashMap<(String, String), (u64, Instant)>>,
    freed: Condvar,
    next_lease: AtomicU64,
}

/// The running server.
pub struct StateServer {
    addr: SocketAddr,
    server: Arc<Server>,
    thread: Option<JoinHandle<()>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl StateServer {
    /// Starts on a free loopback port, keeping `stores` (name → items as Viceroy loads
    /// them) in `state`.
    pub fn start(state: State, stores: Vec<(String, Items)>) -> Result<StateServer> {
        let server = Server::http("127.0.0.1:0")
            .map_err(|e| anyhow!("the local state server could not listen on loopback: {e}"))?;
        let addr = server
            .server_addr()
            .to_ip()
            .ok_or_else(|| anyhow!("the local state server has no IP address"))?;
        let server = Arc::new(server);
        let shared = Arc::new(Shared {
            state,
            stores: Mutex::new(
                stores
                    .into_iter()
                    .map(|(name, items)| {
                        (
                            name,
                            Store {
                                items,
                                generations: HashMap::new(),
                            },
                        )
                    })
                    .collect(),
            ),
            locks: Mutex::default(),
            freed: Condvar::new(),
            next_lease: AtomicU64::new(1),
        });
        let accept = Arc::clone(&server);
        let thread = std::thread::spawn(move || {
            for request in accept.incoming_requests() {
                let shared = Arc::clone(&shared);
                std::thread::spawn(move || handle(&shared, request));
            }
        });
        Ok(StateServer {
            addr,
            server,
            thread: Some(thread),
        })
    }

    /// Where it listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
}

impl Drop for StateServer {
    fn drop(&mut self) {
        self.server.unblock();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn header(request: &tiny_http::Request, name: &str) -> Option<String> {
    request
        .headers()
        .iter()
        .find(|h| h.field.as_str().as_str().eq_ignore_ascii_case(name))
        .map(|h| h.value.as_str().to_string())
}

fn decode(segment: &str) -> Option<String> {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

fn respond(request: tiny_http::Request, status: u16, body: &str, extra: Option<Header>) {
    let mut response = Response::from_string(body).with_status_code(status);
    if let Some(h) = extra {
        response.add_header(h);
    }
    let _ = request.respond(response);
}

fn handle(shared: &Shared, mut request: tiny_http::Request) {
    let url = request.url().to_string();
    let parts: Vec<&str> = url.trim_start_matches('/').splitn(3, '/').collect();
    let (kind, store, key) = match parts.as_slice() {
        [kind, store, key] => match (decode(store), decode(key)) {
            (Some(s), Some(k)) => (kind.to_string(), s, k),
            _ => return respond(request, 400, "bad encoding", None),
        },
        _ => return respond(request, 404, "unknown path", None),
    };
    match (request.method().clone(), kind.as_str()) {
        (Method::Put, "kv") | (Method::Delete, "kv") => {
            let generation: u128 = match header(&request, GENERATION).and_then(|g| g.parse().ok()) {
                Some(g) => g,
                None => return respond(request, 400, "no generation", None),
            };
            let item = if *request.method() == Method::Put {
                let metadata = header(&request, METADATA);
                let mut value = Vec::new();
                if std::io::Read::read_to_end(request.as_reader(), &mut value).is_err() {
                    return respond(request, 400, "unreadable body", None);
                }
                Some(Item { value, metadata })
            } else {
                None
            };
            match keep(shared, &store, &key, generation, item) {
                Ok(()) => respond(request, 204, "", None),
                Err(e) => {
                    eprintln!(
                        "edgezero serve: the local KV store `{store}` could not be written: {e:#}"
                    );
                    respond(request, 500, "not kept", None)
                }
            }
        }
        (Method::Post, "lock") => match acquire(shared, &store, &key) {
            Some(lease) => {
                let h = Header::from_bytes(LEASE_HEADER, lease.to_string()).ok();
                respond(request, 200, "", h)
            }
            None => respond(request, 503, "the key stayed locked", None),
        },
        (Method::Delete, "lock") => {
            let lease: Option<u64> = header(&request, LEASE_HEADER).and_then(|l| l.parse().ok());
            let mut locks = lock(&shared.locks);
            let id = (store, key);
            if locks.get(&id).map(|(l, _)| Some(*l)) == Some(lease) {
                locks.remove(&id);
                shared.freed.notify_all();
            }
            drop(locks);
            respond(request, 204, "", None)
        }
        _ => respond(request, 405, "method not allowed", None),
    }
}

fn keep(
    shared: &Shared,
    store: &str,
    key: &str,
    generation: u128,
    item: Option<Item>,
) -> Result<()> {
    let mut stores = lock(&shared.stores);
    let Some(s) = stores.get_mut(store) else {
        return Err(anyhow!("no such store"));
    };
    if s.generations.get(key).is_some_and(|g| *g > generation) {
        return Ok(()); // an older state than the one kept
    }
    s.generations.insert(key.to_string(), generation);
    match item {
        Some(item) => {
            s.items.insert(key.to_string(), item);
        }
        None => {
            s.items.remove(key);
        }
    }
    shared.state.save_kv(store, &s.items)
}

fn acquire(shared: &Shared, store: &str, key: &str) -> Option<u64> {
    let id = (store.to_string(), key.to_string());
    let give_up = Instant::now() + LOCK_WAIT;
    let mut locks = lock(&shared.locks);
    loop {
        let now = Instant::now();
        match locks.get(&id) {
            Some((_, expires)) if *expires > now => {
                if now >= give_up {
                    return None;
                }
                let wait = (*expires).min(give_up) - now;
                locks = shared
                    .freed
                    .wait_timeout(locks, wait)
                    .unwrap_or_else(|e| e.into_inner())
                    .0;
            }
            _ => {
                let lease = shared.next_lease.fetch_add(1, Ordering::SeqCst);
                locks.insert(id, (lease, now + LEASE));
                return Some(lease);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn call(
        addr: SocketAddr,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> (u16, String) {
        use std::io::Write;
        let mut s = std::net::TcpStream::connect(addr).unwrap();
        let mut head = format!(
            "{method} {path} HTTP/1.1\r\nhost: x\r\ncontent-length: {}\r\nconnection: close\r\n",
            body.len()
        );
        for (k, v) in headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        head.push_str("\r\n");
        s.write_all(head.as_bytes()).unwrap();
        s.write_all(body).unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).unwrap();
        let status = out[9..12].parse().unwrap();
        (status, out)
    }

    #[test]
    fn keeps_the_newest_state_of_each_key_and_serialises_locks() {
        let dir = tempfile::tempdir().unwrap();
        let state = State::new(dir.path().to_path_buf());
        let server =
            StateServer::start(state.clone(), vec![("default".into(), Items::new())]).unwrap();
        let addr = server.addr();
        let put = |gen: &str, body: &[u8]| {
            call(addr, "PUT", "/kv/default/a%2Fb", &[(GENERATION, gen)], body).0
        };
        assert_eq!(put("10", b"new"), 204);
        assert_eq!(put("5", b"old"), 204, "an older report is acknowledged");
        let items = state.load_kv("default").unwrap().unwrap();
        assert_eq!(items["a/b"].value, b"new", "and ignored");
        assert_eq!(
            call(
                addr,
                "DELETE",
                "/kv/default/a%2Fb",
                &[(GENERATION, "11")],
                b""
            )
            .0,
            204
        );
        assert!(state.load_kv("default").unwrap().unwrap().is_empty());
        assert_eq!(
            call(addr, "PUT", "/kv/nope/k", &[(GENERATION, "1")], b"x").0,
            500
        );

        let (status, text) = call(addr, "POST", "/lock/default/k", &[], b"");
        assert_eq!(status, 200);
        let lease = text
            .lines()
            .find_map(|l| {
                l.to_ascii_lowercase()
                    .strip_prefix("x-edgezero-lease: ")
                    .map(str::to_string)
            })
            .unwrap();
        let started = Instant::now();
        let waiter = std::thread::spawn(move || call(addr, "POST", "/lock/default/k", &[], b"").0);
        std::thread::sleep(Duration::from_millis(200));
        assert_eq!(
            call(
                addr,
                "DELETE",
                "/lock/default/k",
                &[(LEASE_HEADER, lease.trim())],
                b""
            )
            .0,
            204
        );
        assert_eq!(waiter.join().unwrap(), 200);
        let waited = started.elapsed();
        assert!(
            waited >= Duration::from_millis(200) && waited < LEASE,
            "{waited:?}"
        );
    }
}
