//! Spin's Redis key-value store: plain GET/SET/DEL/EXISTS on the keys as given (Spin does not
//! namespace by label, so listing returns every key of the database).
//!
//! Concurrent operations share one connection and are pipelined on it (the client's
//! multiplexed connection sends each command as it comes and matches the replies in order),
//! so sixteen requests wait for one round trip, not sixteen. A compare-and-swap needs a
//! connection of its own (a `WATCH` belongs to the connection that sent it): it takes one from
//! a small pool and gives it back after its `EXEC`, which clears the watch, so a busy counter
//! reuses a handful of connections instead of opening one per swap.
//!
//! Failures are answered as Spin's `key-value-redis` answers them: `other` with the Redis
//! client's error text (`Connection refused (os error 111)`, `broken pipe`, …), from opening
//! the label when the server was never reached, and from any operation once it goes away. The
//! host's log gets the same text with the server's (redacted) URL.

use std::sync::Mutex;
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig, MultiplexedConnection};
use redis::AsyncCommands;
use tokio::sync::OnceCell;

use super::KvError;

/// Idle compare-and-swap connections kept; more concurrent swaps open more, closed after.
const CAS_POOL_MAX: usize = 16;

/// One Redis server, connected on first use and reconnected when the connection drops.
pub struct RedisDb {
    client: redis::Client,
    conn: OnceCell<ConnectionManager>,
    /// Connections of finished compare-and-swaps, none of them watching a key.
    cas_pool: Mutex<Vec<MultiplexedConnection>>,
    /// The URL, for messages.
    pub url: String,
}

impl RedisDb {
    /// Checks the URL; connects lazily.
    pub fn new(url: &str) -> Result<RedisDb, KvError> {
        Ok(RedisDb {
            client: redis::Client::open(url).map_err(|e| KvError::Other(format!("redis: {e}")))?,
            conn: OnceCell::new(),
            cas_pool: Mutex::new(Vec::new()),
            url: url.to_string(),
        })
    }

    /// The error for the component: the client's text, as Spin gives it (`format!("{e:?}")`,
    /// which for a `RedisError` is its `Display`); logged with the server. A lost or
    /// refused connection is `Unavailable`, anything else `Other`.
    fn fail(&self, e: redis::RedisError) -> KvError {
        let text = e.to_string();
        log::warn!(
            "key-value error: Redis {}: {text}",
            edgezero_spin_manifest::redact_url(&self.url)
        );
        if is_unreachable(&e) {
            KvError::Unavailable(text)
        } else {
            KvError::Other(text)
        }
    }

    /// Connects if no connection was made yet, as Spin does when a Redis label is opened.
    /// Once connected, the connection reconnects by itself and opening always succeeds.
    pub async fn connect(&self) -> Result<(), KvError> {
        self.conn().await.map(drop)
    }

    async fn conn(&self) -> Result<ConnectionManager, KvError> {
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
            .map_err(|e| self.fail(e))
    }

    /// `GET key`
    pub async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, KvError> {
        self.conn().await?.get(key).await.map_err(|e| self.fail(e))
    }

    /// `SET key value`
    pub async fn set(&self, key: &str, value: Vec<u8>) -> Result<(), KvError> {
        self.conn()
            .await?
            .set(key, value)
            .await
            .map_err(|e| self.fail(e))
    }

    /// `DEL key`
    pub async fn delete(&self, key: &str) -> Result<(), KvError> {
        self.conn().await?.del(key).await.map_err(|e| self.fail(e))
    }

    /// `EXISTS key`
    pub async fn exists(&self, key: &str) -> Result<bool, KvError> {
        self.conn()
            .await?
            .exists(key)
            .await
            .map_err(|e| self.fail(e))
    }

    /// `KEYS *`
    pub async fn keys(&self) -> Result<Vec<String>, KvError> {
        self.conn().await?.keys("*").await.map_err(|e| self.fail(e))
    }

    /// `INCRBY key delta` (Redis keeps the counter as decimal text, as under Spin).
    pub async fn increment(&self, key: &str, delta: i64) -> Result<i64, KvError> {
        self.conn()
            .await?
            .incr(key, delta)
            .await
            .map_err(|e| self.fail(e))
    }

    /// `MGET keys...`: the keys that exist, with their values.
    pub async fn get_many(&self, keys: Vec<String>) -> Result<Vec<(String, Vec<u8>)>, KvError> {
        let values: Vec<Option<Vec<u8>>> = redis::cmd("MGET")
            .arg(&keys)
            .query_async(&mut self.conn().await?)
            .await
            .map_err(|e| self.fail(e))?;
        Ok(keys
            .into_iter()
            .zip(values)
            .filter_map(|(k, v)| v.map(|v| (k, v)))
            .collect())
    }

    /// `MSET k v ...` (atomic in Redis).
    pub async fn set_many(&self, entries: Vec<(String, Vec<u8>)>) -> Result<(), KvError> {
        self.conn()
            .await?
            .mset(&entries)
            .await
            .map_err(|e| self.fail(e))
    }

    /// `DEL keys...`
    pub async fn delete_many(&self, keys: Vec<String>) -> Result<(), KvError> {
        self.conn().await?.del(keys).await.map_err(|e| self.fail(e))
    }

    /// A new connection for a compare-and-swap.
    pub async fn cas(&self) -> Result<MultiplexedConnection, KvError> {
        self.client
            .get_multiplexed_async_connection()
            .await
            .map_err(|e| self.fail(e))
    }

    fn pool(&self) -> std::sync::MutexGuard<'_, Vec<MultiplexedConnection>> {
        self.cas_pool
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The read of a compare-and-swap, `WATCH key` then `GET key`, on `conn` or else on a
    /// connection from the pool (or a new one); the connection comes back with the value,
    /// for the write. A pooled connection whose server went away since it was used (a
    /// restarted Redis) is dropped and the read made once more on a new connection.
    pub async fn cas_read(
        &self,
        conn: Option<MultiplexedConnection>,
        key: &str,
    ) -> Result<(MultiplexedConnection, Option<Vec<u8>>), KvError> {
        let popped = match &conn {
            Some(_) => None,
            None => self.pool().pop(),
        };
        let mut conn = match (conn, popped) {
            (Some(conn), _) => conn,
            (None, Some(mut pooled)) => match watch_get(&mut pooled, key).await {
                Ok(value) => return Ok((pooled, value)),
                Err(e) if is_unreachable(&e) => self.cas().await?,
                Err(e) => return Err(self.fail(e)),
            },
            (None, None) => self.cas().await?,
        };
        let value = watch_get(&mut conn, key).await.map_err(|e| self.fail(e))?;
        Ok((conn, value))
    }

    /// `MULTI SET EXEC`: `false` when the watched key changed since [`RedisDb::cas_read`]
    /// (Redis then discards the transaction). Without a read there is no `WATCH` and the
    /// write happens, as under Spin. `EXEC` ends the watch either way, so the connection goes
    /// back to the pool; after a failure it is dropped.
    pub async fn cas_write(
        &self,
        mut conn: MultiplexedConnection,
        key: &str,
        value: Vec<u8>,
    ) -> Result<bool, KvError> {
        let reply: redis::Value = redis::pipe()
            .atomic()
            .set(key, value)
            .query_async(&mut conn)
            .await
            .map_err(|e| self.fail(e))?;
        let mut pool = self.pool();
        if pool.len() < CAS_POOL_MAX {
            pool.push(conn);
        }
        Ok(!matches!(reply, redis::Value::Nil))
    }
}

/// A lost, refused or timed-out connection (rather than an error reply).
fn is_unreachable(e: &redis::RedisError) -> bool {
    e.is_io_error() || e.is_connection_refusal() || e.is_connection_dropped() || e.is_timeout()
}

/// `WATCH key` and `GET key` in one round trip (a pipeline, not a transaction).
async fn watch_get(
    conn: &mut MultiplexedConnection,
    key: &str,
) -> redis::RedisResult<Option<Vec<u8>>> {
    let (value,): (Option<Vec<u8>>,) = redis::pipe()
        .cmd("WATCH")
        .arg(key)
        .ignore()
        .get(key)
        .query_async(conn)
        .await?;
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_server_never_reached_fails_the_open_with_the_clients_text() {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .unwrap()
            .port();
        let db = RedisDb::new(&format!("redis://:hunter2@127.0.0.1:{port}")).unwrap();
        let err = db.connect().await.unwrap_err();
        assert!(matches!(err, KvError::Unavailable(_)), "{err:?}");
        let err = err.to_string();
        // What Spin's store answers: the Redis client's text, nothing added.
        assert!(
            err.to_ascii_lowercase().contains("connection refused"),
            "{err}"
        );
        assert!(!err.contains("hunter2") && !err.contains("redis"), "{err}");
        assert_eq!(db.get("k").await.unwrap_err().to_string(), err);
    }
}
