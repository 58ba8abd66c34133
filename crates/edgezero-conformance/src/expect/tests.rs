use serde_json::json;

use super::*;
use crate::text::ExpectHeaders;

fn expect(status: u16) -> Expect {
    Expect {
        status,
        headers: ExpectHeaders::default(),
        body: None,
        json: None,
        json_exact: None,
        body_contains: vec![],
        body_excludes: vec![],
        complete: true,
        origin_requests: None,
        streams: None,
    }
}

fn answer(status: u16, headers: &[(&str, &str)], body: &str) -> Answer {
    Answer {
        status,
        headers: headers
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        body: body.as_bytes().to_vec(),
        complete: true,
        ..Answer::default()
    }
}

#[test]
fn a_matching_answer_has_no_mismatch() {
    let mut e = expect(200);
    e.headers = ExpectHeaders(vec![
        (
            "content-type".into(),
            HeaderExpect::Values(vec!["application/json{*}".into()]),
        ),
        ("x-gone".into(), HeaderExpect::Absent),
    ]);
    e.json = Some(json!({"views": 1}));
    e.body_contains = vec!["views".into()];
    e.body_excludes = vec!["secret".into()];
    let a = answer(
        200,
        &[("content-type", "application/json; charset=utf-8")],
        r#"{"views": 1, "previous_request": ""}"#,
    );
    let o = compare(&e, &a, &Bindings::default(), None);
    assert!(o.mismatches.is_empty(), "{:?}", o.mismatches);
}

#[test]
fn every_difference_is_listed() {
    let mut e = expect(308);
    e.headers = ExpectHeaders(vec![
        (
            "location".into(),
            HeaderExpect::Values(vec!["https://e.com/a".into()]),
        ),
        ("x-gone".into(), HeaderExpect::Absent),
        (
            "set-cookie".into(),
            HeaderExpect::Values(vec!["a=1".into(), "b=2".into()]),
        ),
    ]);
    e.body_contains = vec!["moved".into()];
    e.body_excludes = vec!["secret".into()];
    e.origin_requests = Some(0);
    let a = Answer {
        complete: false,
        ..answer(
            404,
            &[
                ("x-gone", "here"),
                ("set-cookie", "b=2"),
                ("set-cookie", "a=1"),
            ],
            "a secret",
        )
    };
    let o = compare(&e, &a, &Bindings::default(), Some(2));
    assert_eq!(
        o.mismatches,
        vec![
            "status: expected 308, got 404",
            "header location: expected [\"https://e.com/a\"], got []",
            "header x-gone: expected none, got [\"here\"]",
            "header set-cookie: expected [\"a=1\", \"b=2\"], got [\"b=2\", \"a=1\"]",
            "body: does not contain \"moved\"",
            "body: contains \"secret\"",
            "body: ended early, after 8 bytes",
            "origin: expected 0 request(s) to reach it, 2 did",
        ]
    );
}

#[test]
fn json_is_partial_unless_exact() {
    let got = json!({"links": {"abc12": "https://e.com"}, "cursor": null, "extra": 1});
    let mut scope = Bindings::default();
    let mut out = Vec::new();
    json(
        &json!({"cursor": null}),
        &got,
        false,
        &mut scope,
        "$",
        &mut out,
    );
    assert!(out.is_empty(), "{out:?}");
    json(
        &json!({"cursor": null, "links": {"{*}": 1}}),
        &got,
        true,
        &mut scope,
        "$",
        &mut out,
    );
    assert_eq!(
        out,
        vec![
            "$.links: key \"{*}\": placeholder {*} has no value: no earlier answer captured it",
            "$.links.abc12: not expected (got \"https://e.com\")",
            "$.extra: not expected (got 1)",
        ]
    );
    let mut out = Vec::new();
    json(
        &json!({"cursor": "x", "nope": 1, "links": []}),
        &got,
        false,
        &mut scope,
        "$",
        &mut out,
    );
    assert_eq!(
        out,
        vec![
            "$.cursor: expected \"x\", got null",
            "$.links: expected an array, got {\"abc12\":\"https://e.com\"}",
            "$.nope: missing (expected 1)",
        ]
    );
}

#[test]
fn json_captures_and_reuses_values() {
    let mut e = expect(200);
    e.json = Some(json!({"short": "{short}", "views": "{views}", "url": "https://{host}/a"}));
    let a = answer(
        200,
        &[],
        r#"{"short": "abc12", "views": 3, "url": "https://e.com/a"}"#,
    );
    let o = compare(&e, &a, &Bindings::default(), None);
    assert!(o.mismatches.is_empty(), "{:?}", o.mismatches);
    assert_eq!(o.captured.get("short"), Some(&json!("abc12")));
    assert_eq!(o.captured.get("views"), Some(&json!(3)));
    assert_eq!(o.captured.get("host"), Some(&json!("e.com")));

    // Later: a captured key, a captured number, a captured string used inside a string.
    let known = o.captured;
    let mut e = expect(200);
    e.json_exact = Some(json!({"links": {"{short}": "https://{host}/a"}, "views": "{views}"}));
    let same = answer(
        200,
        &[],
        r#"{"links": {"abc12": "https://e.com/a"}, "views": 3}"#,
    );
    let o = compare(&e, &same, &known, None);
    assert!(o.mismatches.is_empty(), "{:?}", o.mismatches);
    assert!(o.captured.is_empty());
    let other = answer(
        200,
        &[],
        r#"{"links": {"zzz99": "https://e.com/a"}, "views": 4}"#,
    );
    let o = compare(&e, &other, &known, None);
    assert_eq!(
        o.mismatches,
        vec![
            "$.links.abc12: missing (expected \"https://{host}/a\")",
            "$.links.zzz99: not expected (got \"https://e.com/a\")",
            "$.views: expected {views} = 3, got 4",
        ]
    );
}

#[test]
fn arrays_match_in_order_or_as_a_subset() {
    let got = json!([
        ["host", "o"],
        ["x-multi", "1"],
        ["x-multi", "2"],
        ["accept", "*/*"]
    ]);
    let mut scope = Bindings::default();
    let mut out = Vec::new();
    json(
        &json!([["x-multi", "1"], ["x-multi", "2"], ["host", "{h}"], "{...}"]),
        &got,
        false,
        &mut scope,
        "$",
        &mut out,
    );
    assert!(out.is_empty(), "{out:?}");
    assert_eq!(scope.get("h"), Some(&json!("o")));
    json(
        &json!([["connection", "{*}"], "{...}"]),
        &got,
        false,
        &mut scope,
        "$",
        &mut out,
    );
    assert_eq!(out, vec!["$: no element matches [\"connection\",\"{*}\"]"]);
    let mut out = Vec::new();
    json(
        &json!(["a", "b"]),
        &json!(["a", "c"]),
        false,
        &mut scope,
        "$.keys",
        &mut out,
    );
    assert_eq!(out, vec!["$.keys[1]: expected \"b\", got \"c\""]);
    let mut out = Vec::new();
    json(
        &json!(["a"]),
        &json!(["a", "c"]),
        false,
        &mut scope,
        "$.keys",
        &mut out,
    );
    assert_eq!(
        out,
        vec!["$.keys: expected 1 element(s), got 2: [\"a\",\"c\"]"]
    );
}

#[test]
fn bodies_match_as_patterns_or_bytes() {
    let mut e = expect(200);
    e.body = Some(Text::Plain("/{path}".into()));
    let o = compare(
        &e,
        &answer(200, &[], "/counter"),
        &Bindings::default(),
        None,
    );
    assert!(o.mismatches.is_empty());
    assert_eq!(o.captured.get("path"), Some(&json!("counter")));
    let o = compare(&e, &answer(200, &[], "counter"), &Bindings::default(), None);
    assert_eq!(
        o.mismatches,
        vec!["body: expected \"/{path}\", got counter"]
    );

    e.body = Some(Text::Bytes(vec![b'h', 0, 0xff]));
    let mut a = answer(200, &[], "");
    a.body = vec![b'h', 0, 0xff];
    assert!(compare(&e, &a, &Bindings::default(), None)
        .mismatches
        .is_empty());
    a.body = vec![b'h', 1];
    let o = compare(&e, &a, &Bindings::default(), None);
    assert_eq!(o.mismatches.len(), 1);
    assert!(
        o.mismatches[0].contains("first difference at byte 1"),
        "{:?}",
        o.mismatches
    );

    let mut e = expect(200);
    e.json = Some(json!({}));
    let o = compare(&e, &answer(200, &[], "<html>"), &Bindings::default(), None);
    assert!(
        o.mismatches[0].starts_with("body: expected JSON"),
        "{:?}",
        o.mismatches
    );
}

#[test]
fn a_cut_body_can_be_expected() {
    let mut e = expect(200);
    e.complete = false;
    let o = compare(&e, &answer(200, &[], "abc"), &Bindings::default(), None);
    assert_eq!(
        o.mismatches,
        vec!["body: expected to be cut short, but it ended cleanly"]
    );
}

#[test]
fn shorten_cuts_long_text() {
    assert_eq!(shorten("short"), "short");
    let long = "é".repeat(400);
    let s = shorten(&long);
    assert!(s.ends_with("... (200 more bytes)"), "{s}");
}

#[test]
fn streams_needs_the_first_part_well_before_the_end() {
    let mut e = expect(200);
    e.streams = Some(Streams {
        first: "data: 1\n\n".into(),
        open_ms: 500,
    });
    let ms = std::time::Duration::from_millis;
    let mut a = answer(200, &[], "data: 1\n\n: keep\n\ndata: 2\n\n");
    a.arrivals = vec![(9, ms(5)), (17, ms(400)), (26, ms(1000))];
    a.ended = ms(1001);
    assert!(compare(&e, &a, &Bindings::default(), None)
        .mismatches
        .is_empty());

    // Everything at once, at the end: buffered.
    a.arrivals = vec![(26, ms(1000))];
    let out = compare(&e, &a, &Bindings::default(), None).mismatches;
    assert_eq!(out.len(), 1, "{out:?}");
    assert!(out[0].contains("was not streamed"), "{out:?}");

    a.body = b"data: 2\n\n".to_vec();
    a.arrivals = vec![(9, ms(1))];
    let out = compare(&e, &a, &Bindings::default(), None).mismatches;
    assert!(out[0].contains("never arrived"), "{out:?}");
}
