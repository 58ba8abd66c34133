use std::collections::BTreeMap;

use serde::Deserialize;

use super::*;

fn from<T: serde::de::DeserializeOwned>(entries: &[(&str, &str)]) -> Result<T, DeError> {
    let root = Node::from_entries(entries.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    T::deserialize(NodeDe::root(&root))
}

fn err<T: serde::de::DeserializeOwned + std::fmt::Debug>(
    entries: &[(&str, &str)],
) -> (String, String) {
    let e = from::<T>(entries).unwrap_err();
    (e.key.clone().unwrap_or_default(), e.message)
}

#[derive(Debug, Deserialize, PartialEq)]
enum Mode {
    Fast,
    Safe,
}

#[derive(Debug, Deserialize, PartialEq)]
struct Limits {
    rates: Vec<u32>,
    burst: Option<u8>,
}

#[derive(Debug, Deserialize, PartialEq)]
struct Service {
    timeout_ms: u64,
    retry: bool,
    ratio: f32,
    offset: i16,
    name: String,
    mode: Mode,
    limits: Limits,
}

#[derive(Debug, Deserialize, PartialEq)]
struct Settings {
    service: Service,
    greeting: Option<String>,
    #[serde(default)]
    tags: Vec<String>,
    extra: BTreeMap<String, String>,
}

const GOOD: &[(&str, &str)] = &[
    ("service.timeout_ms", "2500"),
    ("service.retry", "true"),
    ("service.ratio", "0.5"),
    ("service.offset", "-3"),
    ("service.name", "api"),
    ("service.mode", "Safe"),
    ("service.limits.rates", "[1,2]"),
    ("extra.a", "1"),
    ("extra.b", "x"),
];

#[test]
fn entries_become_nested_typed_values() {
    let s: Settings = from(GOOD).unwrap();
    assert_eq!(
        s,
        Settings {
            service: Service {
                timeout_ms: 2500,
                retry: true,
                ratio: 0.5,
                offset: -3,
                name: "api".into(),
                mode: Mode::Safe,
                limits: Limits {
                    rates: vec![1, 2],
                    burst: None,
                },
            },
            greeting: None,
            tags: vec![],
            extra: [("a", "1"), ("b", "x")]
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .into(),
        }
    );
    let _ = Mode::Fast;
}

fn with(changes: &[(&'static str, Option<&'static str>)]) -> Vec<(&'static str, &'static str)> {
    let mut out: Vec<_> = GOOD.to_vec();
    for (k, v) in changes {
        out.retain(|(ek, _)| ek != k);
        if let Some(v) = v {
            out.push((k, v));
        }
    }
    out
}

#[test]
fn errors_name_the_dotted_key() {
    let (key, msg) = err::<Settings>(&with(&[("service.timeout_ms", None)]));
    assert_eq!(
        (key.as_str(), msg.as_str()),
        ("service.timeout_ms", "is missing")
    );
    let (key, msg) = err::<Settings>(&with(&[("service.timeout_ms", Some("soon"))]));
    assert_eq!(key, "service.timeout_ms");
    assert!(
        msg.contains("expected an unsigned integer, found `soon`"),
        "{msg}"
    );
    let (key, msg) = err::<Settings>(&with(&[("service.offset", Some("70000"))]));
    assert_eq!(key, "service.offset");
    assert!(msg.contains("i16"), "{msg}");
    let (key, msg) = err::<Settings>(&with(&[("service.limits.rates", Some("[1,"))]));
    assert_eq!(key, "service.limits.rates");
    assert!(msg.contains("JSON"), "{msg}");
    let (key, _) = err::<Settings>(&with(&[("service.mode", Some("Turbo"))]));
    assert_eq!(key, "service.mode");
    let (key, _) = err::<Settings>(&with(&[("service.limits.burst", Some("x"))]));
    assert_eq!(key, "service.limits.burst");
    // A table where a value is expected, and the other way round.
    let (key, msg) = err::<Settings>(&with(&[
        ("service.name", None),
        ("service.name.first", Some("a")),
    ]));
    assert_eq!(key, "service.name");
    assert!(msg.contains("is a table"), "{msg}");
    let (key, _) = err::<Settings>(&[("service", "x")]);
    assert_eq!(key, "service");
    let (key, _) = err::<Settings>(&[]);
    assert_eq!(key, "service");
}

#[test]
fn unknown_fields_are_named_when_denied() {
    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Strict {
        inner: Inner,
    }
    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        a: u8,
    }
    let (key, msg) = err::<Strict>(&[("inner.a", "1"), ("inner.typo", "2")]);
    assert_eq!(key, "inner.typo");
    assert!(msg.contains("not a field"), "{msg}");
}

#[test]
fn secret_values_are_never_shown() {
    let mut root = Node::from_entries([("n".to_string(), "hunter2".to_string())]);
    root.get_mut("n").unwrap().secret = true;
    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct N {
        n: u32,
    }
    let e = N::deserialize(NodeDe::root(&root)).unwrap_err();
    assert!(!e.message.contains("hunter2"), "{}", e.message);
}

#[test]
fn remove_value_prunes_empty_nodes() {
    let mut root = Node::from_entries([
        ("a.b".to_string(), "1".to_string()),
        ("a.c".to_string(), "2".to_string()),
    ]);
    root.remove_value("a.b");
    assert!(root.get_mut("a.b").is_none());
    assert!(root.get_mut("a.c").is_some());
    root.remove_value("missing.key");
}
