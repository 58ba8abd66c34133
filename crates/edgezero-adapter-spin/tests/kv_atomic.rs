//! Counters, compare-and-swap and batches over `wasi:keyvalue`, against the fake host (whose
//! bucket behaves as Spin's SQLite store, panicking `increment` included).

mod common;

use std::rc::Rc;

use common::{stores, FakeHost, KV_API};
use edgezero_adapter_spin::SpinKvError;
use edgezero_core::store::atomic::{encode_counter, MAX_UPDATE_ATTEMPTS};
use edgezero_core::store::kv::{KvError, KvHandle};
use edgezero_core::EdgeError;
use edgezero_testkit::contract;
use futures_executor::block_on;

fn open(host: &Rc<FakeHost>) -> KvHandle {
    block_on(stores(Rc::clone(host), &KV_API, &[]).kv("data")).unwrap()
}

fn value(host: &FakeHost, key: &str) -> Option<Vec<u8>> {
    host.label("data").borrow().get(key).cloned()
}

#[test]
fn passes_the_kv_atomic_contract_suite() {
    let host = Rc::new(FakeHost::granting(&["data"]));
    let kv = open(&host);
    contract::assert_all_passed(&block_on(contract::kv_atomic_suite(&kv)));
    assert!(
        host.counters.increments.get() > 0,
        "the host's increment was used"
    );
    assert!(
        host.counters.batches.get() > 0,
        "the host's batches were used"
    );
}

#[test]
fn increment_refuses_a_non_counter_without_calling_the_host() {
    let host = Rc::new(FakeHost::granting(&["data"]));
    host.seed("data", [("page".to_string(), b"hello".to_vec())]);
    let kv = open(&host);
    // The fake panics like Spin's host if its increment sees these 5 bytes.
    let err = block_on(kv.increment("page", 1)).unwrap_err();
    assert!(
        matches!(&err, KvError::NotACounter { key } if key == "page"),
        "{err}"
    );
    assert_eq!(EdgeError::from(err).status().as_u16(), 409);
    assert_eq!(host.counters.increments.get(), 0);
    assert_eq!(value(&host, "page").as_deref(), Some(&b"hello"[..]));
}

#[test]
fn increment_stores_spins_eight_bytes() {
    let host = Rc::new(FakeHost::granting(&["data"]));
    let kv = open(&host);
    assert_eq!(block_on(kv.increment("n", 3)).unwrap(), 3);
    assert_eq!(block_on(kv.increment("n", 4)).unwrap(), 7);
    assert_eq!(value(&host, "n"), Some(encode_counter(7).to_vec()));
    assert_eq!(host.counters.increments.get(), 2);
    assert_eq!(block_on(kv.counter("fresh")).unwrap(), 0);
    assert_eq!(value(&host, "fresh"), Some(encode_counter(0).to_vec()));
}

#[test]
fn decimal_text_counters_are_incremented_by_compare_and_swap_and_stay_text() {
    let host = Rc::new(FakeHost::granting(&["data"]));
    host.seed("data", [("visits".to_string(), b"41".to_vec())]);
    let kv = open(&host);
    assert_eq!(block_on(kv.increment("visits", 1)).unwrap(), 42);
    assert_eq!(value(&host, "visits").as_deref(), Some(&b"42"[..]));
    assert_eq!(
        host.counters.increments.get(),
        0,
        "the host's increment would panic"
    );

    // A writer that gets in between each read and swap: the loop retries from its read.
    host.racing_writes.set(2);
    assert_eq!(block_on(kv.increment("visits", 10)).unwrap(), 54);
    assert_eq!(value(&host, "visits").as_deref(), Some(&b"54"[..]));
    assert_eq!(host.counters.swaps.get(), 4);
}

#[test]
fn a_text_counter_that_never_settles_is_contention() {
    let host = Rc::new(FakeHost::granting(&["data"]));
    host.seed("data", [("hot".to_string(), b"1".to_vec())]);
    host.racing_writes.set(usize::MAX);
    let kv = open(&host);
    let err = block_on(kv.increment("hot", 1)).unwrap_err();
    assert!(
        matches!(&err, KvError::Contention { key, attempts } if key == "hot" && *attempts == MAX_UPDATE_ATTEMPTS),
        "{err}"
    );
    assert_eq!(EdgeError::from(err).status().as_u16(), 503);
}

#[test]
fn increment_refuses_an_overflow_before_the_host_wraps_it() {
    let host = Rc::new(FakeHost::granting(&["data"]));
    host.seed(
        "data",
        [("max".to_string(), encode_counter(i64::MAX).to_vec())],
    );
    let kv = open(&host);
    let err = block_on(kv.increment("max", 1)).unwrap_err();
    assert!(matches!(err, KvError::Validation(_)), "{err}");
    assert_eq!(host.counters.increments.get(), 0);
    assert_eq!(block_on(kv.increment("max", -1)).unwrap(), i64::MAX - 1);
}

#[test]
fn compare_and_swap_does_not_swap_on_a_mismatch() {
    let host = Rc::new(FakeHost::granting(&["data"]));
    host.seed("data", [("k".to_string(), b"old".to_vec())]);
    let kv = open(&host);
    assert!(!block_on(kv.compare_and_swap("k", Some(b"other"), "new")).unwrap());
    assert!(!block_on(kv.compare_and_swap("k", None, "new")).unwrap());
    assert_eq!(host.counters.swaps.get(), 0);
    assert!(block_on(kv.compare_and_swap("k", Some(b"old"), "new")).unwrap());
    assert_eq!(value(&host, "k").as_deref(), Some(&b"new"[..]));
}

#[test]
fn a_compare_and_swap_that_loses_the_race_is_false() {
    let host = Rc::new(FakeHost::granting(&["data"]));
    host.seed("data", [("k".to_string(), b"v1".to_vec())]);
    host.racing_writes.set(1);
    let kv = open(&host);
    assert!(!block_on(kv.compare_and_swap("k", Some(b"v1"), "mine")).unwrap());
    assert_eq!(host.counters.swaps.get(), 1, "the host refused the swap");
    assert_eq!(value(&host, "k").as_deref(), Some(&b"v1!"[..]));
}

#[test]
fn an_exchange_that_loses_races_retries_with_the_same_value() {
    let host = Rc::new(FakeHost::granting(&["data"]));
    host.seed("data", [("k".to_string(), b"v1".to_vec())]);
    host.racing_writes.set(2);
    let kv = open(&host);
    let previous = block_on(kv.exchange("k", "mine")).unwrap();
    assert_eq!(
        previous.as_deref(),
        Some(&b"v1!!"[..]),
        "the value it replaced"
    );
    assert_eq!(value(&host, "k").as_deref(), Some(&b"mine"[..]));
    assert_eq!(host.counters.swaps.get(), 3);
}

#[test]
fn get_many_answers_in_the_order_asked() {
    let host = Rc::new(FakeHost::granting(&["data"]));
    let kv = open(&host);
    block_on(kv.set_many([("a", "1"), ("b", "2"), ("c", "3")])).unwrap();
    let got = block_on(kv.get_many(["c", "nope", "a", "b", "a"])).unwrap();
    let got: Vec<(&str, Option<&[u8]>)> = got
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_deref()))
        .collect();
    assert_eq!(
        got,
        [
            ("c", Some(&b"3"[..])),
            ("nope", None),
            ("a", Some(&b"1"[..])),
            ("b", Some(&b"2"[..])),
            ("a", Some(&b"1"[..])),
        ]
    );
    block_on(kv.delete_many(["a", "c"])).unwrap();
    assert_eq!(host.counters.batches.get(), 3, "one host call per batch");
    assert_eq!(host.counters.writes.get(), 0, "no single-key writes");
    assert_eq!(
        host.label("data").borrow().keys().collect::<Vec<_>>(),
        ["b"]
    );
}

#[test]
fn the_bucket_opens_once_per_store_handle() {
    let host = Rc::new(FakeHost::granting(&["data"]));
    let kv = open(&host);
    block_on(kv.increment("n", 1)).unwrap();
    block_on(kv.compare_and_swap("k", None, "v")).unwrap();
    block_on(kv.get_many(["n", "k"])).unwrap();
    assert_eq!(host.counters.buckets_opened.get(), 1);
    assert!(
        host.counters.opened.borrow().is_empty(),
        "counting reads through the bucket: no `spin:key-value` store is opened"
    );
    block_on(kv.get_bytes("n")).unwrap();
    assert_eq!(*host.counters.opened.borrow(), ["data"]);
}

#[test]
fn a_host_handle_serving_both_opens_the_label_once_per_handle() {
    for reads_first in [false, true] {
        let host = Rc::new(FakeHost {
            shares_bucket: true,
            ..FakeHost::granting(&["data"])
        });
        let kv = open(&host);
        if reads_first {
            block_on(kv.get_bytes("n")).unwrap();
        }
        assert_eq!(block_on(kv.increment("n", 2)).unwrap(), 2);
        assert_eq!(block_on(kv.get_bytes("n")).unwrap().unwrap().len(), 8);
        block_on(kv.put_bytes("k", "v")).unwrap();
        assert!(block_on(kv.compare_and_swap("k", Some(b"v".as_slice()), "w")).unwrap());
        let opens = host.counters.opened.borrow().len() + host.counters.buckets_opened.get();
        assert_eq!(opens, 1, "reads first: {reads_first}");
    }
}

#[test]
fn without_wasi_keyvalue_atomics_are_unsupported_and_batches_go_key_by_key() {
    let host = Rc::new(FakeHost {
        no_wasi_keyvalue: true,
        ..FakeHost::granting(&["data"])
    });
    let kv = open(&host);
    let err = block_on(kv.increment("n", 1)).unwrap_err();
    assert!(
        matches!(
            err,
            KvError::Unsupported {
                operation: "increment"
            }
        ),
        "{err}"
    );
    let err = block_on(kv.compare_and_swap("k", None, "v")).unwrap_err();
    assert!(
        matches!(
            err,
            KvError::Unsupported {
                operation: "compare_and_swap"
            }
        ),
        "{err}"
    );
    assert_eq!(EdgeError::from(err).status().as_u16(), 501);
    let err = block_on(kv.update_json("j", |n: Option<u32>| n.unwrap_or(0) + 1)).unwrap_err();
    assert!(matches!(err, KvError::Unsupported { .. }), "{err}");
    assert!(host.label("data").borrow().is_empty(), "nothing written");

    block_on(kv.set_many([("a", "1"), ("b", "2")])).unwrap();
    let got = block_on(kv.get_many(["b", "x", "a"])).unwrap();
    let got: Vec<Option<&[u8]>> = got.iter().map(|(_, v)| v.as_deref()).collect();
    assert_eq!(got, [Some(&b"2"[..]), None, Some(&b"1"[..])]);
    block_on(kv.delete_many(["a"])).unwrap();
    assert_eq!(
        host.counters.writes.get(),
        3,
        "two sets and a delete, one by one"
    );
    assert_eq!(host.counters.batches.get(), 0);
    assert_eq!(host.counters.buckets_opened.get(), 0);
}

#[test]
fn bucket_errors_keep_their_meaning() {
    let host = Rc::new(FakeHost::granting(&["data"]));
    *host.bucket_error.borrow_mut() = Some(SpinKvError::AccessDenied);
    let kv = open(&host);
    let err = block_on(kv.increment("n", 1)).unwrap_err();
    let KvError::Unavailable { store, reason } = err else {
        panic!("expected Unavailable, got {err:?}")
    };
    assert_eq!(store, "data");
    assert!(
        reason.contains("key_value_stores") && reason.contains("[key_value_store.data]"),
        "{reason}"
    );

    let host = Rc::new(FakeHost::granting(&["data"]));
    *host.bucket_error.borrow_mut() = Some(SpinKvError::Other("no bucket today".into()));
    let err = block_on(open(&host).get_many(["a"])).unwrap_err();
    assert!(
        matches!(&err, KvError::Unavailable { reason, .. } if reason.contains("wasi:keyvalue") && reason.contains("no bucket today")),
        "{err}"
    );

    let host = Rc::new(FakeHost::granting(&["data"]));
    *host.op_error.borrow_mut() = Some(SpinKvError::Other("disk I/O error".into()));
    let kv = open(&host);
    let err = block_on(kv.compare_and_swap("k", None, "v")).unwrap_err();
    assert!(
        matches!(&err, KvError::Internal(m) if m.contains("compare-and-swap `k`") && m.contains("disk I/O error")),
        "{err}"
    );
    let err = block_on(kv.set_many([("a", "1"), ("b", "2")])).unwrap_err();
    assert!(
        matches!(&err, KvError::Internal(m) if m.contains("write 2 keys")),
        "{err}"
    );
}
