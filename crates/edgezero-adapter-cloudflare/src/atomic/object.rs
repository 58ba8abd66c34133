//! The Durable Object class behind atomic KV ids.

use edgezero_cloudflare_names::ATOMIC_KV_CLASS;
use worker::{
    durable_object, DurableObject, Env, Request, Response, Result, SqlStorage, SqlStorageValue,
    State,
};

use super::protocol::{apply, Op, Reply, Rows};
use super::wire::op_in_url;

/// The atomic store: one SQLite table `kv (key, value, expires)` in the object's storage.
#[durable_object]
pub struct EdgeZeroAtomicKv {
    state: State,
}

const _: () = assert!(matches!(ATOMIC_KV_CLASS.as_bytes(), b"EdgeZeroAtomicKv"));

const SCHEMA: &str =
    "CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value BLOB NOT NULL, expires INTEGER)";

impl DurableObject for EdgeZeroAtomicKv {
    fn new(state: State, _env: Env) -> Self {
        if let Err(e) = state.storage().sql().exec(SCHEMA, None) {
            worker::console_error!("atomic store: creating its table failed: {e}");
        }
        EdgeZeroAtomicKv { state }
    }

    async fn fetch(&self, mut req: Request) -> Result<Response> {
        let body = match op_in_url(&req.inner().url()) {
            Ok(Some(op)) => Ok(op),
            Ok(None) => Ok(req.bytes().await?),
            Err(e) => Err(e),
        };
        let reply = match body.and_then(|op| Op::decode(&op)) {
            Ok(op) => {
                let mut rows = SqlRows(self.state.storage().sql());
                let now = js_sys::Date::now() as u64;
                match apply(op, &mut rows, now) {
                    Ok(reply) => reply,
                    Err(e) => return Response::error(format!("atomic store: {e}"), 500),
                }
            }
            Err(e) => Reply::BadRequest(e.to_string()),
        };
        Response::from_bytes(reply.encode())
    }
}

/// The object's rows in its SQLite storage.
struct SqlRows(SqlStorage);

fn text(e: worker::Error) -> String {
    e.to_string()
}

impl Rows for SqlRows {
    fn get(&mut self, key: &str, now_ms: u64) -> std::result::Result<Option<Vec<u8>>, String> {
        let cursor = self
            .0
            .exec(
                "SELECT value, expires FROM kv WHERE key = ?",
                vec![SqlStorageValue::String(key.to_string())],
            )
            .map_err(text)?;
        let Some(row) = cursor.raw().next() else {
            return Ok(None);
        };
        let row = row.map_err(text)?;
        let expired =
            matches!(row.get(1), Some(SqlStorageValue::Integer(e)) if (*e as u64) <= now_ms);
        if expired {
            self.delete(key)?;
            return Ok(None);
        }
        match row.into_iter().next() {
            Some(SqlStorageValue::Blob(v)) => Ok(Some(v)),
            Some(SqlStorageValue::String(s)) => Ok(Some(s.into_bytes())),
            other => Err(format!("unexpected stored value {other:?}")),
        }
    }

    fn put(
        &mut self,
        key: &str,
        value: &[u8],
        expires_ms: Option<u64>,
    ) -> std::result::Result<(), String> {
        let expires = match expires_ms {
            Some(e) => SqlStorageValue::Integer(e as i64),
            None => SqlStorageValue::Null,
        };
        self.0
            .exec(
                "INSERT INTO kv (key, value, expires) VALUES (?, ?, ?) \
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires = excluded.expires",
                vec![
                    SqlStorageValue::String(key.to_string()),
                    SqlStorageValue::Blob(value.to_vec()),
                    expires,
                ],
            )
            .map(drop)
            .map_err(text)
    }

    fn delete(&mut self, key: &str) -> std::result::Result<(), String> {
        self.0
            .exec(
                "DELETE FROM kv WHERE key = ?",
                vec![SqlStorageValue::String(key.to_string())],
            )
            .map(drop)
            .map_err(text)
    }

    fn keys(
        &mut self,
        prefix: &str,
        after: Option<&str>,
        limit: usize,
        now_ms: u64,
    ) -> std::result::Result<Vec<String>, String> {
        let (sql, from) = match after {
            Some(a) if a >= prefix => ("SELECT key, expires FROM kv WHERE key > ? ORDER BY key", a),
            _ => (
                "SELECT key, expires FROM kv WHERE key >= ? ORDER BY key",
                prefix,
            ),
        };
        let cursor = self
            .0
            .exec(sql, vec![SqlStorageValue::String(from.to_string())])
            .map_err(text)?;
        let mut keys = Vec::new();
        for row in cursor.raw() {
            let row = row.map_err(text)?;
            let mut cols = row.into_iter();
            let Some(SqlStorageValue::String(key)) = cols.next() else {
                continue;
            };
            if !key.starts_with(prefix) {
                break;
            }
            if matches!(cols.next(), Some(SqlStorageValue::Integer(e)) if (e as u64) <= now_ms) {
                continue;
            }
            keys.push(key);
            if keys.len() >= limit {
                break;
            }
        }
        Ok(keys)
    }
}
