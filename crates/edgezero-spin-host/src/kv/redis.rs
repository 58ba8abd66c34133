//! Spin's Redis key-value store: plain GET/SET/DEL/EXISTS on the keys as given (Spin does not
//! namespace by label, so listing returns every key of the database).

use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::AsyncCommands;
use tokio::sync::OnceCell;

/// One Redis server, connected on first use and reconnected when the connection drops.
pub struct RedisDb {
    client: redis::Client,
    conn: OnceCell<ConnectionManager>,
    /// The URL, for messages.
    pub url: String,
}

fn err(e: redis::RedisError) -> String {
    format!("redis: {e}")
}

impl RedisDb {
    /// Checks the URL; connects lazily.
    pub fn new(url: &str) -> Result<RedisDb, String> {
        Ok(RedisDb {
            client: redis::Client::open(url).map_err(err)?,
            conn: OnceCell::new(),
            url: url.to_string(),
        })
    }

    async fn conn(&self) -> Result<ConnectionManager, String> {
        self.conn
            .get_or_try_init(|| {
                // Fail a request quickly when the server is down instead of retrying for
                // many seconds; the next request tries again.
                let config = ConnectionManagerConfig::new()
                    .set_number_of_retries(1)
                    .set_connection_timeout(Some(Duration::from_secs(2)))
                    .set_response_timeout(Some(Duration::from_secs(10)));
                ConnectionManager::new_with_config(self.client.clone(), config)
            })
            .await
            .cloned()
            .map_err(|e| {
                format!(
                    "cannot connect to {}: {e}",
                    edgezero_spin_manifest::redact_url(&self.url)
                )
            })
    }

    /// `GET key`
    pub async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, String> {
        self.conn().await?.get(key).await.map_err(err)
    }

    /// `SET key value`
    pub async fn set(&self, key: &str, value: Vec<u8>) -> Result<(), String> {
        self.conn().await?.set(key, value).await.map_err(err)
    }

    /// `DEL key`
    pub async fn delete(&self, key: &str) -> Result<(), String> {
        self.conn().await?.del(key).await.map_err(err)
    }

    /// `EXISTS key`
    pub async fn exists(&self, key: &str) -> Result<bool, String> {
        self.conn().await?.exists(key).await.map_err(err)
    }

    /// `KEYS *`
    pub async fn keys(&self) -> Result<Vec<String>, String> {
        self.conn().await?.keys("*").await.map_err(err)
    }

    /// `INCRBY key delta` (Redis keeps the counter as decimal text, as under Spin).
    pub async fn increment(&self, key: &str, delta: i64) -> Result<i64, String> {
        self.conn().await?.incr(key, delta).await.map_err(err)
    }

    /// `MGET keys...`: the keys that exist, with their values.
    pub async fn get_many(&self, keys: Vec<String>) -> Result<Vec<(String, Vec<u8>)>, String> {
        let values: Vec<Option<Vec<u8>>> = redis::cmd("MGET")
            .arg(&keys)
            .query_async(&mut self.conn().await?)
            .await
            .map_err(err)?;
        Ok(keys
            .into_iter()
            .zip(values)
            .filter_map(|(k, v)| v.map(|v| (k, v)))
            .collect())
    }

    /// `MSET k v ...` (atomic in Redis).
    pub async fn set_many(&self, entries: Vec<(String, Vec<u8>)>) -> Result<(), String> {
        self.conn().await?.mset(&entries).await.map_err(err)
    }

    /// `DEL keys...`
    pub async fn delete_many(&self, keys: Vec<String>) -> Result<(), String> {
        self.conn().await?.del(keys).await.map_err(err)
    }

    /// A compare-and-swap on its own connection (a `WATCH` belongs to one connection).
    pub async fn cas(&self) -> Result<redis::aio::MultiplexedConnection, String> {
        self.client
            .get_multiplexed_async_connection()
            .await
            .map_err(|e| {
                format!(
                    "cannot connect to {}: {e}",
                    edgezero_spin_manifest::redact_url(&self.url)
                )
            })
    }
}

/// `WATCH key` then `GET key`: the read of a compare-and-swap.
pub async fn cas_read(
    conn: &mut redis::aio::MultiplexedConnection,
    key: &str,
) -> Result<Option<Vec<u8>>, String> {
    redis::cmd("WATCH")
        .arg(key)
        .exec_async(conn)
        .await
        .map_err(err)?;
    conn.get(key).await.map_err(err)
}

/// `MULTI SET EXEC`: `false` when the watched key changed since [`cas_read`] (Redis then
/// discards the transaction). Without a read there is no `WATCH` and the write happens, as
/// under Spin.
pub async fn cas_write(
    conn: &mut redis::aio::MultiplexedConnection,
    key: &str,
    value: Vec<u8>,
) -> Result<bool, String> {
    let reply: redis::Value = redis::pipe()
        .atomic()
        .set(key, value)
        .query_async(conn)
        .await
        .map_err(err)?;
    Ok(!matches!(reply, redis::Value::Nil))
}
