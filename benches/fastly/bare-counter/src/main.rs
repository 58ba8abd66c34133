//! The counter example (examples/counter) written by hand with the fastly crate: the same
//! answer and the same store work per `GET /counter` — `views` read and written back with
//! the generation it was read at, `previous-request` swapped for this path the same way,
//! each retried when another writer came first — without EdgeZero. The baseline of
//! scripts/bench-fastly.sh.

use fastly::kv_store::{InsertMode, KVStore, KVStoreError};
use fastly::{Request, Response};

/// Replaces the value under `key` with what `next` makes of it (absent: `None`), matching
/// the generation read; returns the value replaced.
fn update(
    store: &KVStore,
    key: &str,
    mut next: impl FnMut(Option<&[u8]>) -> Vec<u8>,
) -> Result<Option<Vec<u8>>, KVStoreError> {
    loop {
        let (current, generation) = match store.lookup(key) {
            Ok(mut item) => {
                let generation = item.current_generation();
                (Some(item.take_body_bytes()), Some(generation))
            }
            Err(KVStoreError::ItemNotFound) => (None, None),
            Err(e) => return Err(e),
        };
        let insert = store.build_insert();
        let insert = match generation {
            Some(g) => insert.if_generation_match(g),
            None => insert.mode(InsertMode::Add),
        };
        match insert.execute(key, next(current.as_deref())) {
            Ok(()) => return Ok(current),
            Err(KVStoreError::ItemPreconditionFailed) => continue,
            Err(e) => return Err(e),
        }
    }
}

fn counter(path: &str) -> Result<Response, KVStoreError> {
    let Some(store) = KVStore::open("default")? else {
        return Ok(Response::from_status(503));
    };
    let mut views = 0;
    update(&store, "views", |v| {
        views = v
            .and_then(|b| <[u8; 8]>::try_from(b).ok())
            .map(i64::from_le_bytes)
            .unwrap_or(0)
            + 1;
        views.to_le_bytes().to_vec()
    })?;
    let previous = update(&store, "previous-request", |_| path.as_bytes().to_vec())?;
    let previous = String::from_utf8(previous.unwrap_or_default()).unwrap_or_default();
    let body = format!(
        "{{\"views\":{views},\"previous_request\":{}}}",
        serde_string(&previous)
    );
    Ok(Response::from_status(200)
        .with_header("content-type", "application/json")
        .with_body(body))
}

/// A JSON string.
fn serde_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn main() {
    let req = Request::from_client();
    let response = match (req.get_method_str(), req.get_path()) {
        ("GET" | "HEAD", "/counter") => {
            counter(req.get_path()).unwrap_or_else(|_| Response::from_status(503))
        }
        (_, "/counter") => Response::from_status(405).with_header("allow", "GET, HEAD"),
        _ => Response::from_status(404),
    };
    response.send_to_client();
}
