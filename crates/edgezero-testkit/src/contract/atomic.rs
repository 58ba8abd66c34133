//! The atomic and batch KV cases: counters, compare-and-swap, batches, and updates that
//! race each other inside one request.

use edgezero_core::store::atomic::{encode_counter, MAX_BATCH_KEYS};
use edgezero_core::store::kv::{KvError, KvHandle};
use futures_util::future::join_all;

use super::{clear, kv_err, CaseResult};

macro_rules! ensure {
    ($cond:expr, $($msg:tt)+) => {
        if !$cond {
            return Err(format!($($msg)+));
        }
    };
}

async fn kv_increment(kv: &KvHandle) -> Result<(), String> {
    clear(kv, "ct:inc:").await?;
    ensure!(
        kv.increment("ct:inc:a", 5).await.map_err(kv_err)? == 5,
        "a missing key counts as 0"
    );
    ensure!(
        kv.increment("ct:inc:a", -7).await.map_err(kv_err)? == -2,
        "increments add up, negative deltas too"
    );
    ensure!(
        kv.counter("ct:inc:a").await.map_err(kv_err)? == -2,
        "counter() reads the value"
    );
    let raw = kv.get_bytes("ct:inc:a").await.map_err(kv_err)?;
    ensure!(
        raw.as_deref() == Some(&encode_counter(-2)[..]) || raw.as_deref() == Some(&b"-2"[..]),
        "a counter is stored as Spin stores it (8 little-endian bytes, or Redis's decimal text): {raw:?}"
    );
    kv.put_bytes("ct:inc:text", "hello").await.map_err(kv_err)?;
    match kv.increment("ct:inc:text", 1).await {
        Err(KvError::NotACounter { key }) => {
            ensure!(key == "ct:inc:text", "the error names the key: {key}")
        }
        other => {
            return Err(format!(
                "increment on a text value must be NotACounter, got {other:?}"
            ))
        }
    }
    ensure!(
        kv.get_bytes("ct:inc:text")
            .await
            .map_err(kv_err)?
            .as_deref()
            == Some(&b"hello"[..]),
        "a refused increment leaves the value as it was"
    );
    ensure!(
        matches!(kv.increment("", 1).await, Err(KvError::Validation(_))),
        "keys are validated"
    );
    clear(kv, "ct:inc:").await
}

async fn kv_concurrent_increments(kv: &KvHandle) -> Result<(), String> {
    clear(kv, "ct:cinc:").await?;
    let results = join_all((0..50).map(|_| kv.increment("ct:cinc:n", 1))).await;
    let mut seen: Vec<i64> = Vec::new();
    for r in results {
        seen.push(r.map_err(kv_err)?);
    }
    seen.sort_unstable();
    ensure!(
        seen == (1..=50).collect::<Vec<i64>>(),
        "50 concurrent increments must return 1..=50 exactly once each: {seen:?}"
    );
    ensure!(
        kv.counter("ct:cinc:n").await.map_err(kv_err)? == 50,
        "the final count is 50"
    );
    clear(kv, "ct:cinc:").await
}

async fn kv_compare_and_swap(kv: &KvHandle) -> Result<(), String> {
    clear(kv, "ct:cas:").await?;
    ensure!(
        kv.compare_and_swap("ct:cas:a", None, "one")
            .await
            .map_err(kv_err)?,
        "swapping an absent key with expected None succeeds"
    );
    ensure!(
        !kv.compare_and_swap("ct:cas:a", None, "two")
            .await
            .map_err(kv_err)?,
        "expected None fails when the key exists"
    );
    ensure!(
        !kv.compare_and_swap("ct:cas:a", Some(b"zzz"), "two")
            .await
            .map_err(kv_err)?,
        "a wrong expected value fails"
    );
    ensure!(
        kv.get_bytes("ct:cas:a").await.map_err(kv_err)?.as_deref() == Some(&b"one"[..]),
        "a failed swap writes nothing"
    );
    ensure!(
        kv.compare_and_swap("ct:cas:a", Some(b"one"), "two")
            .await
            .map_err(kv_err)?,
        "the right expected value succeeds"
    );
    ensure!(
        kv.get_bytes("ct:cas:a").await.map_err(kv_err)?.as_deref() == Some(&b"two"[..]),
        "a successful swap writes the new value"
    );
    ensure!(
        !kv.compare_and_swap("ct:cas:missing", Some(b"x"), "y")
            .await
            .map_err(kv_err)?,
        "an expected value fails on a missing key"
    );
    ensure!(
        !kv.exists("ct:cas:missing").await.map_err(kv_err)?,
        "and creates nothing"
    );
    clear(kv, "ct:cas:").await
}

async fn kv_batches(kv: &KvHandle) -> Result<(), String> {
    clear(kv, "ct:batch:").await?;
    kv.set_many([
        ("ct:batch:a", "1"),
        ("ct:batch:b", "2"),
        ("ct:batch:c", "3"),
    ])
    .await
    .map_err(kv_err)?;
    let got = kv
        .get_many(["ct:batch:c", "ct:batch:missing", "ct:batch:a"])
        .await
        .map_err(kv_err)?;
    let got: Vec<(String, Option<Vec<u8>>)> = got
        .into_iter()
        .map(|(k, v)| (k, v.map(|b| b.to_vec())))
        .collect();
    ensure!(
        got == vec![
            ("ct:batch:c".to_string(), Some(b"3".to_vec())),
            ("ct:batch:missing".to_string(), None),
            ("ct:batch:a".to_string(), Some(b"1".to_vec())),
        ],
        "get_many answers every key, in order: {got:?}"
    );
    kv.delete_many(["ct:batch:a", "ct:batch:b", "ct:batch:never"])
        .await
        .map_err(kv_err)?;
    ensure!(
        !kv.exists("ct:batch:a").await.map_err(kv_err)?
            && kv.exists("ct:batch:c").await.map_err(kv_err)?,
        "delete_many removes exactly the keys given"
    );
    ensure!(
        matches!(
            kv.set_many([("ct:batch:ok", "1"), ("", "2")]).await,
            Err(KvError::Validation(_))
        ),
        "every key of a batch is validated"
    );
    ensure!(
        !kv.exists("ct:batch:ok").await.map_err(kv_err)?,
        "a refused batch writes nothing"
    );
    let too_many: Vec<String> = (0..=MAX_BATCH_KEYS)
        .map(|i| format!("ct:batch:{i}"))
        .collect();
    ensure!(
        matches!(kv.get_many(&too_many).await, Err(KvError::Validation(_))),
        "more than {MAX_BATCH_KEYS} keys is a validation error"
    );
    ensure!(
        kv.get_many(Vec::<String>::new())
            .await
            .map_err(kv_err)?
            .is_empty(),
        "an empty batch is fine"
    );
    clear(kv, "ct:batch:").await
}

async fn kv_update_json(kv: &KvHandle) -> Result<(), String> {
    clear(kv, "ct:upd:").await?;
    let first: u64 = kv
        .update_json("ct:upd:n", |old: Option<u64>| old.unwrap_or(0) + 1)
        .await
        .map_err(kv_err)?;
    ensure!(first == 1, "a missing value starts from None: {first}");
    let results = join_all(
        (0..20).map(|_| kv.update_json("ct:upd:n", |old: Option<u64>| old.unwrap_or(0) + 1)),
    )
    .await;
    for r in results {
        r.map_err(kv_err)?;
    }
    let last: Option<u64> = kv.get_json("ct:upd:n").await.map_err(kv_err)?;
    ensure!(
        last == Some(21),
        "20 racing updates must all land: {last:?}"
    );
    clear(kv, "ct:upd:").await
}

async fn kv_exchange(kv: &KvHandle) -> Result<(), String> {
    clear(kv, "ct:xchg:").await?;
    let results = join_all((0..20).map(|i| kv.exchange("ct:xchg:k", format!("v{i}")))).await;
    let mut previous: Vec<Option<String>> = Vec::new();
    for r in results {
        previous.push(
            r.map_err(kv_err)?
                .map(|b| String::from_utf8_lossy(&b).into_owned()),
        );
    }
    let last = kv.get_bytes("ct:xchg:k").await.map_err(kv_err)?;
    let last = last.map(|b| String::from_utf8_lossy(&b).into_owned());
    ensure!(
        previous.iter().filter(|p| p.is_none()).count() == 1,
        "exactly one exchange saw the key absent: {previous:?}"
    );
    let mut seen: Vec<String> = previous.into_iter().flatten().collect();
    seen.extend(last);
    seen.sort();
    let mut all: Vec<String> = (0..20).map(|i| format!("v{i}")).collect();
    all.sort();
    ensure!(
        seen == all,
        "each value is replaced exactly once, and the last one stays: {seen:?}"
    );
    clear(kv, "ct:xchg:").await
}

/// Runs every atomic and batch case against one store.
pub async fn kv_atomic_suite(kv: &KvHandle) -> Vec<CaseResult> {
    let mut out = Vec::new();
    macro_rules! case {
        ($f:ident) => {
            out.push(CaseResult::new(stringify!($f), $f(kv).await));
        };
    }
    case!(kv_increment);
    case!(kv_concurrent_increments);
    case!(kv_compare_and_swap);
    case!(kv_batches);
    case!(kv_update_json);
    case!(kv_exchange);
    out
}
