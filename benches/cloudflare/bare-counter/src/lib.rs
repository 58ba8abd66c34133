//! The counter example (examples/counter) written by hand with workers-rs: the same answer
//! and the same store work — per `GET /counter`, one Durable Object call that adds one to
//! `views` and one that swaps `previous_request` for this path, each a SQLite statement pair
//! in the object — without EdgeZero. The baseline of scripts/bench-cloudflare.sh.

use worker::{
    durable_object, event, Context, DurableObject, Env, Method, Request, RequestInit, Response,
    Result, SqlStorage, SqlStorageValue, State,
};

/// The store: one SQLite table in the object.
#[durable_object]
pub struct BareCounter {
    state: State,
}

fn read(sql: &SqlStorage, key: &str) -> Result<Option<Vec<u8>>> {
    let cursor = sql.exec(
        "SELECT value FROM kv WHERE key = ?",
        vec![SqlStorageValue::String(key.into())],
    )?;
    Ok(match cursor.raw().next() {
        Some(row) => match row?.into_iter().next() {
            Some(SqlStorageValue::Blob(v)) => Some(v),
            _ => None,
        },
        None => None,
    })
}

fn write(sql: &SqlStorage, key: &str, value: Vec<u8>) -> Result<()> {
    sql.exec(
        "INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        vec![SqlStorageValue::String(key.into()), SqlStorageValue::Blob(value)],
    )?;
    Ok(())
}

impl DurableObject for BareCounter {
    fn new(state: State, _env: Env) -> Self {
        let _ = state.storage().sql().exec(
            "CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value BLOB NOT NULL)",
            None,
        );
        BareCounter { state }
    }

    async fn fetch(&self, mut req: Request) -> Result<Response> {
        let sql = self.state.storage().sql();
        match req.path().as_str() {
            "/increment" => {
                let n = read(&sql, "views")?
                    .and_then(|v| <[u8; 8]>::try_from(v.as_slice()).ok())
                    .map(i64::from_le_bytes)
                    .unwrap_or(0)
                    + 1;
                write(&sql, "views", n.to_le_bytes().to_vec())?;
                Response::ok(n.to_string())
            }
            "/exchange" => {
                let new = req.bytes().await?;
                let old = read(&sql, "previous_request")?.unwrap_or_default();
                write(&sql, "previous_request", new)?;
                Response::ok(String::from_utf8_lossy(&old).into_owned())
            }
            _ => Response::error("not found", 404),
        }
    }
}

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    if req.path() != "/counter" {
        return Response::error("not found", 404);
    }
    let stub = env
        .durable_object("default")?
        .id_from_name("edgezero")?
        .get_stub()?;
    let views: i64 = stub
        .fetch_with_str("https://counter/increment")
        .await?
        .text()
        .await?
        .parse()
        .unwrap_or(0);
    let mut init = RequestInit::new();
    init.with_method(Method::Post)
        .with_body(Some(req.path().into()));
    let previous = stub
        .fetch_with_request(Request::new_with_init("https://counter/exchange", &init)?)
        .await?
        .text()
        .await?;
    let body = serde_json::json!({ "views": views, "previous_request": previous });
    Response::from_json(&body)
}
