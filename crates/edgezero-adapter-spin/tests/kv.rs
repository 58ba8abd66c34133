//! KV on Spin labels, against the fake host: TTL, cap, paging, labels, errors.

mod common;

use std::rc::Rc;
use std::time::Duration;

use common::{stores, FakeHost, KV_API};
use edgezero_adapter_spin::SpinKvError;
use edgezero_core::store::kv::{KvError, KvHandle};
use edgezero_core::store::paging::encode_cursor;
use edgezero_testkit::contract::{self, KvCapabilities};
use futures_executor::block_on;

const CAP_VAR: &str = "EDGEZERO__STORES__KV__DATA__MAX_LIST_KEYS";

fn open(host: &Rc<FakeHost>, env: &[(&str, &str)]) -> KvHandle {
    block_on(stores(Rc::clone(host), &KV_API, env).kv("data")).unwrap()
}

fn seed_numbered(host: &FakeHost, label: &str, prefix: &str, n: usize) {
    host.seed(
        label,
        (0..n).map(|i| (format!("{prefix}{i:04}"), b"v".to_vec())),
    );
}

#[test]
fn passes_the_kv_contract_suite_without_ttl() {
    let host = Rc::new(FakeHost::granting(&["data"]));
    let kv = open(&host, &[]);
    contract::assert_all_passed(&block_on(contract::kv_suite(
        &kv,
        KvCapabilities { ttl: false },
    )));
    contract::assert_all_passed(&block_on(contract::kv_suite(
        &kv,
        KvCapabilities { ttl: false },
    )));
}

#[test]
fn out_of_range_ttl_is_unsupported_not_invalid() {
    let host = Rc::new(FakeHost::granting(&["data"]));
    let kv = open(&host, &[]);
    assert!(!kv.supports_ttl());
    let err = block_on(kv.put_bytes_with_ttl("session", "v", Duration::from_secs(5))).unwrap_err();
    assert!(matches!(err, KvError::Unsupported { .. }), "{err}");
}

#[test]
fn ttl_writes_are_unsupported_and_write_nothing() {
    let host = Rc::new(FakeHost::granting(&["data"]));
    let kv = open(&host, &[]);
    let err =
        block_on(kv.put_bytes_with_ttl("session", "v", Duration::from_secs(120))).unwrap_err();
    assert!(
        matches!(
            err,
            KvError::Unsupported {
                operation: "put_bytes_with_ttl"
            }
        ),
        "{err}"
    );
    let err = block_on(kv.put_json_with_ttl("session", &1, Duration::from_secs(120))).unwrap_err();
    assert!(matches!(err, KvError::Unsupported { .. }), "{err}");
    assert_eq!(host.counters.writes.get(), 0);
    assert!(host.label("data").borrow().is_empty());
    assert!(block_on(kv.get_bytes("session")).unwrap().is_none());
}

#[test]
fn listing_over_the_cap_fails_as_soon_as_it_is_exceeded() {
    let host = Rc::new(FakeHost::granting(&["data"]));
    seed_numbered(&host, "data", "k:", 10);
    let kv = open(&host, &[(CAP_VAR, "3")]);
    let err = block_on(kv.list_keys_page("", None, 100)).unwrap_err();
    match &err {
        KvError::LimitExceeded {
            store,
            limit,
            env_var,
        } => {
            assert_eq!(
                (store.as_str(), *limit, env_var.as_str()),
                ("data", 3, CAP_VAR)
            );
        }
        other => panic!("expected LimitExceeded, got {other:?}"),
    }
    assert!(err.to_string().contains(CAP_VAR), "{err}");
    assert_eq!(
        host.counters.keys_pulled.get(),
        4,
        "reading must stop at the first key over the cap"
    );
}

#[test]
fn the_cap_counts_only_keys_matching_the_prefix() {
    let host = Rc::new(FakeHost::granting(&["data"]));
    seed_numbered(&host, "data", "a:", 3);
    seed_numbered(&host, "data", "b:", 50);
    let kv = open(&host, &[(CAP_VAR, "3")]);
    let page = block_on(kv.list_keys_page("a:", None, 100)).unwrap();
    assert_eq!(page.keys, ["a:0000", "a:0001", "a:0002"]);
    assert!(matches!(
        block_on(kv.list_keys_page("b:", None, 100)),
        Err(KvError::LimitExceeded { .. })
    ));
}

#[test]
fn unset_or_blank_cap_is_1000() {
    for env in [vec![], vec![(CAP_VAR, "  ")]] {
        let host = Rc::new(FakeHost::granting(&["data"]));
        seed_numbered(&host, "data", "k:", 1000);
        let kv = open(&host, &env);
        assert_eq!(
            block_on(kv.list_keys_page("", None, 1000))
                .unwrap()
                .keys
                .len(),
            1000
        );
        block_on(kv.put_bytes("k:extra", "v")).unwrap();
        let err = block_on(kv.list_keys_page("", None, 10)).unwrap_err();
        assert!(
            matches!(err, KvError::LimitExceeded { limit: 1000, .. }),
            "{err}"
        );
    }
}

#[test]
fn zero_or_invalid_cap_is_misconfigured_and_names_the_variable() {
    for bad in ["0", "-5", "lots", "1e3"] {
        let host = Rc::new(FakeHost::granting(&["data"]));
        let kv = open(&host, &[(CAP_VAR, bad)]);
        let err = block_on(kv.list_keys_page("", None, 10)).unwrap_err();
        assert!(
            matches!(&err, KvError::Misconfigured(m) if m.contains(CAP_VAR) && m.contains(bad)),
            "{bad}: {err}"
        );
        // Only listing depends on the cap: reads and writes still work.
        block_on(kv.put_bytes("k", "v")).unwrap();
        assert!(block_on(kv.exists("k")).unwrap());
    }
}

fn all_pages(kv: &KvHandle, prefix: &str, limit: usize) -> Vec<Vec<String>> {
    let mut pages = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = block_on(kv.list_keys_page(prefix, cursor.as_deref(), limit)).unwrap();
        pages.push(page.keys);
        match page.cursor {
            Some(c) => cursor = Some(c),
            None => return pages,
        }
    }
}

#[test]
fn pages_without_prefix_are_sorted_and_complete() {
    let host = Rc::new(FakeHost::granting(&["data"]));
    seed_numbered(&host, "data", "", 7);
    let kv = open(&host, &[]);
    let pages = all_pages(&kv, "", 3);
    assert_eq!(pages.len(), 3);
    assert_eq!(pages[0], ["0000", "0001", "0002"]);
    assert_eq!(pages[1], ["0003", "0004", "0005"]);
    assert_eq!(pages[2], ["0006"]);
}

#[test]
fn pages_with_prefix_skip_other_keys() {
    let host = Rc::new(FakeHost::granting(&["data"]));
    seed_numbered(&host, "data", "user:", 5);
    seed_numbered(&host, "data", "admin:", 4);
    seed_numbered(&host, "data", "users", 2);
    let kv = open(&host, &[]);
    let pages = all_pages(&kv, "user:", 2);
    let flat: Vec<String> = pages.concat();
    assert_eq!(
        flat,
        (0..5).map(|i| format!("user:{i:04}")).collect::<Vec<_>>()
    );
    assert_eq!(pages.iter().map(Vec::len).collect::<Vec<_>>(), [2, 2, 1]);
    // When the keys end exactly on a page boundary, the last full page has no cursor.
    let pages = all_pages(&kv, "admin:", 2);
    assert_eq!(pages.iter().map(Vec::len).collect::<Vec<_>>(), [2, 2]);
}

#[test]
fn cursor_past_the_end_gives_an_empty_last_page() {
    let host = Rc::new(FakeHost::granting(&["data"]));
    seed_numbered(&host, "data", "p:", 3);
    let kv = open(&host, &[]);
    let cursor = encode_cursor("p:", "p:zzzz");
    let page = block_on(kv.list_keys_page("p:", Some(&cursor), 10)).unwrap();
    assert!(page.keys.is_empty());
    assert!(page.cursor.is_none());
}

#[test]
fn cursor_from_another_prefix_is_a_validation_error() {
    let host = Rc::new(FakeHost::granting(&["data"]));
    let kv = open(&host, &[]);
    let cursor = encode_cursor("p:", "p:1");
    assert!(matches!(
        block_on(kv.list_keys_page("q:", Some(&cursor), 10)),
        Err(KvError::Validation(_))
    ));
}

#[test]
fn the_label_comes_from_the_env_override_or_the_id() {
    let host = Rc::new(FakeHost::granting(&["data", "prod-data"]));
    let kv = open(&host, &[("EDGEZERO__STORES__KV__DATA__NAME", "prod-data")]);
    block_on(kv.put_bytes("k", "v")).unwrap();
    assert_eq!(*host.counters.opened.borrow(), ["prod-data"]);
    assert!(host.label("prod-data").borrow().contains_key("k"));
    assert!(host.label("data").borrow().is_empty());

    let kv = open(&host, &[("EDGEZERO__STORES__KV__DATA__NAME", " ")]);
    block_on(kv.put_bytes("k2", "v")).unwrap();
    assert_eq!(host.counters.opened.borrow().last().unwrap(), "data");
}

#[test]
fn stores_open_lazily_and_once_per_request() {
    let host = Rc::new(FakeHost::granting(&["data", "app_config"]));
    let stores = stores(Rc::clone(&host), &KV_API, &[]);
    assert!(
        host.counters.opened.borrow().is_empty(),
        "nothing opens before a handler asks"
    );
    for _ in 0..3 {
        let kv = block_on(stores.kv("data")).unwrap();
        block_on(kv.put_bytes("k", "v")).unwrap();
    }
    assert_eq!(*host.counters.opened.borrow(), ["data"]);
}

/// The label is opened by the first operation, so that is where an open error surfaces.
fn first_operation(host: Rc<FakeHost>) -> KvError {
    let kv = block_on(stores(host, &KV_API, &[]).kv("data")).unwrap();
    block_on(kv.get_bytes("k")).unwrap_err()
}

#[test]
fn open_errors_say_what_to_fix() {
    let host = Rc::new(FakeHost::granting(&[]));
    let err = first_operation(Rc::clone(&host));
    let KvError::Unavailable { store, reason } = err else {
        panic!("expected Unavailable")
    };
    assert_eq!(store, "data");
    assert!(
        reason.contains("key_value_stores") && reason.contains("[key_value_store.data]"),
        "{reason}"
    );

    let host = Rc::new(FakeHost {
        unbacked: vec!["data".into()],
        ..FakeHost::granting(&["data"])
    });
    let err = first_operation(host);
    assert!(
        matches!(&err, KvError::Unavailable { reason, .. } if reason.contains("runtime-config.toml")),
        "{err}"
    );
}

#[test]
fn operation_errors_keep_their_meaning() {
    let host = Rc::new(FakeHost::granting(&["data"]));
    *host.op_error.borrow_mut() = Some(SpinKvError::StoreTableFull);
    let kv = open(&host, &[]);
    assert!(matches!(
        block_on(kv.get_bytes("k")),
        Err(KvError::Unavailable { .. })
    ));

    let host = Rc::new(FakeHost::granting(&["data"]));
    *host.op_error.borrow_mut() = Some(SpinKvError::Other("disk I/O error".into()));
    let kv = open(&host, &[]);
    let err = block_on(kv.put_bytes("k", "v")).unwrap_err();
    assert!(
        matches!(&err, KvError::Internal(m) if m.contains("disk I/O error") && m.contains("write `k`")),
        "{err}"
    );

    let host = Rc::new(FakeHost::granting(&["data"]));
    *host.list_error.borrow_mut() = Some(SpinKvError::Other("cursor lost".into()));
    let kv = open(&host, &[]);
    let err = block_on(kv.list_keys_page("", None, 10)).unwrap_err();
    assert!(
        matches!(&err, KvError::Internal(m) if m.contains("list keys") && m.contains("cursor lost")),
        "{err}"
    );
}
