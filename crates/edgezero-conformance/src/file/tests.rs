use std::path::Path;

use super::*;
use crate::text::Text;

fn parse(text: &str) -> Result<File, FileError> {
    File::parse(Path::new("examples/x/conformance.toml"), text)
}

fn err(text: &str) -> String {
    parse(text).unwrap_err().to_string()
}

const MINIMAL: &str = r#"
[[request]]
path = "/counter"
expect = { status = 200 }
"#;

#[test]
fn a_minimal_file_has_defaults() {
    let f = parse(MINIMAL).unwrap();
    assert!(f.adapters.is_none());
    assert!(f.applies_to(Adapter::Native) && f.applies_to(Adapter::Spin));
    assert_eq!(f.sessions.len(), 1);
    let r = f.sessions[0].requests[0].get_ref();
    assert_eq!(r.method, "GET");
    assert!(r.expect.complete);
    assert_eq!(f.line(&f.sessions[0].requests[0]), 2);
}

#[test]
fn every_part_of_the_format_reads() {
    let f = parse(
        r#"
adapters = ["spin"]

[setup]
origin = true
env = { EDGEZERO__HTTP__TIMEOUT_MS = "1000" }
variables = { api_token = "t" }
kv.default = { "kv-credentials" = "a:b", bin = { base64 = "3q0A" } }
config.app_config = { "origin.base_url" = "{origin}" }

[[request]]
name = "create"
method = "POST"
path = "/create"
headers = { content-type = "application/json", x-multi = ["1", "2"] }
body = '{"url": "https://e.com"}'
[request.expect]
status = 200
headers = { x-gone = false, location = "{*}" }
json = '{"short": "{short}", "cursor": null}'
[request.except.spin]
reason = "differs"
expect = { status = 501 }

[[request]]
path = "/{short}"
body = { repeat = "x", count = 3 }
chunked = true
expect = { status = 308, complete = false, origin_requests = 0 }

[[session]]
name = "closed"
[[session.request]]
raw = "GET / HTTP/1.1\r\n\r\n"
expect = { status = 400 }
"#,
    )
    .unwrap();
    assert_eq!(f.adapters, Some(vec![Adapter::Spin]));
    assert!(!f.applies_to(Adapter::Native));
    let setup = &f.sessions[0].setup;
    assert_eq!(setup.kv["default"]["bin"], Text::Bytes(vec![0xde, 0xad, 0]));
    let create = f.sessions[0].requests[0].get_ref();
    assert_eq!(create.headers.0[1].0, "x-multi");
    assert_eq!(create.headers.0[1].1.len(), 2);
    assert_eq!(
        create.expect.json,
        Some(serde_json::json!({"short": "{short}", "cursor": null}))
    );
    assert_eq!(
        create.expect.headers.0[0],
        ("x-gone".into(), HeaderExpect::Absent)
    );
    assert_eq!(create.except["spin"].expect.as_ref().unwrap().status, 501);
    let open = f.sessions[0].requests[1].get_ref();
    assert_eq!(
        open.body,
        Some(Text::Repeat {
            text: "x".into(),
            count: 3
        })
    );
    assert!(!open.expect.complete);
    assert_eq!(f.sessions[1].name.as_deref(), Some("closed"));
    assert_eq!(f.line(&f.sessions[1].requests[0]), 33);
}

#[test]
fn toml_errors_name_file_and_line() {
    let e = err("[[request]]\npath = \"/x\"\nexpect = { status = 200 }\nbogus = 1\n");
    assert!(e.starts_with("examples/x/conformance.toml:4: "), "{e}");
    assert!(e.contains("bogus"), "{e}");
    let e = err("[[request]]\npath = \"/x\"\n");
    assert!(e.contains("missing field `expect`"), "{e}");
    let e = err("[[request]]\npath = \"/x\"\nexpect = { status = \"ok\" }\n");
    assert!(e.starts_with("examples/x/conformance.toml:3: "), "{e}");
    let e = err("[[request\n");
    assert!(e.starts_with("examples/x/conformance.toml:1: "), "{e}");
}

#[test]
fn bad_values_say_what_to_write() {
    let e = err("[[request]]\npath = \"/x\"\nexpect = { status = 200, json = '{bad' }\n");
    assert!(e.contains(":3: ") && e.contains("not JSON"), "{e}");
    let e =
        err("[[request]]\npath = \"/x\"\nbody = { base64 = \"***\" }\nexpect = { status = 200 }\n");
    assert!(e.contains(":3: ") && e.contains("not valid base64"), "{e}");
    let e = err("[[request]]\npath = \"/x\"\nbody = { text = \"a\" }\nexpect = { status = 200 }\n");
    assert!(e.contains("{ repeat = \"x\", count = N }"), "{e}");
    let e = err("[[request]]\npath = \"/x\"\nexpect = { status = 200, headers = { x = true } }\n");
    assert!(e.contains("\"{*}\""), "{e}");
    let e = err("[[request]]\npath = \"/x\"\nheaders = { \"bad name\" = \"v\" }\nexpect = { status = 200 }\n");
    assert!(e.contains("not a header name"), "{e}");
}

#[test]
fn adapters_and_exceptions_are_checked() {
    let e = err("adapters = [\"native\", \"lambda\"]\n[[request]]\npath = \"/x\"\nexpect = { status = 200 }\n");
    assert!(
        e.contains(
            ":1: unknown adapter `lambda`; the adapters are native, spin, cloudflare, fastly"
        ),
        "{e}"
    );
    let base = "[[request]]\npath = \"/x\"\nexpect = { status = 200 }\n";
    let e = err(&format!(
        "{base}[request.except.workers]\nreason = \"r\"\nskip = true\n"
    ));
    assert!(
        e.contains(":1: ") && e.contains("unknown adapter `workers`"),
        "{e}"
    );
    let e = err(&format!("{base}[request.except.spin]\nskip = true\n"));
    assert!(e.contains("missing field `reason`"), "{e}");
    let e = err(&format!(
        "{base}[request.except.spin]\nreason = \" \"\nskip = true\n"
    ));
    assert!(e.contains("needs a `reason`"), "{e}");
    let e = err(&format!("{base}[request.except.spin]\nreason = \"r\"\n"));
    assert!(
        e.contains("either an `expect` table or `skip = true`"),
        "{e}"
    );
}

#[test]
fn requests_are_checked() {
    let e = err("[[request]]\npath = \"x\"\nexpect = { status = 200 }\n");
    assert!(e.contains("must start with `/`"), "{e}");
    let e = err("[[request]]\nmethod = \"GE T\"\npath = \"/x\"\nexpect = { status = 200 }\n");
    assert!(e.contains("not an HTTP method"), "{e}");
    let e = err("[[request]]\nraw = \"x\"\npath = \"/x\"\nexpect = { status = 200 }\n");
    assert!(e.contains("`raw` is the whole request"), "{e}");
    let e = err("[[request]]\npath = \"/x\"\nexpect = { status = 42 }\n");
    assert!(e.contains("not an HTTP status"), "{e}");
    let e = err("[[request]]\npath = \"/x\"\nexpect = { status = 200, origin_requests = 0 }\n");
    assert!(e.contains("needs `origin = true`"), "{e}");
    let e = err("[setup]\norigin = true\n");
    assert!(e.contains("no requests"), "{e}");
}

#[test]
fn placeholders_must_be_captured_before_they_are_sent() {
    let e = err("[[request]]\npath = \"/x\"\nexpect = { status = 200 }\n\n[[request]]\npath = \"/{short}\"\nexpect = { status = 308 }\n");
    assert!(
        e.contains(":5: GET /{short} uses {short}, which no earlier request captures"),
        "{e}"
    );
    assert!(
        e.contains("{server}, {server_host}") && !e.contains("{origin}"),
        "{e}"
    );
    // Captured by an earlier JSON expectation: fine; and the built-ins need no capture.
    parse("[[request]]\npath = \"/x\"\nexpect = { status = 200, json = '{\"s\": \"{short}\"}' }\n\n[[request]]\npath = \"/{short}\"\nheaders = { origin = \"{server}\" }\nexpect = { status = 308 }\n").unwrap();
    // The origin's placeholders exist only with an origin.
    let e = err("[setup]\nconfig.c = { url = \"{origin}\" }\n[[request]]\npath = \"/x\"\nexpect = { status = 200 }\n");
    assert!(e.contains("[setup] uses {origin}"), "{e}");
    // Sessions do not share captures.
    let e = err("[[request]]\npath = \"/x\"\nexpect = { status = 200, headers = { location = \"/{id}\" } }\n[[session]]\nname = \"s\"\n[[session.request]]\npath = \"/{id}\"\nexpect = { status = 200 }\n");
    assert!(e.contains("uses {id}"), "{e}");
}

#[test]
fn the_examples_files_read() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let mut seen = 0;
    for entry in std::fs::read_dir(&root).unwrap() {
        let dir = entry.unwrap().path();
        if dir.join("edgezero.toml").is_file() {
            let file = dir.join("conformance.toml");
            assert!(file.is_file(), "{} has no conformance.toml", dir.display());
            File::load(&file).unwrap_or_else(|e| panic!("{e}"));
            seen += 1;
        }
    }
    assert!(seen >= 6, "{seen} examples");
}

#[test]
fn parallel_copies_are_bounded_and_capture_nothing() {
    let f = parse("[[request]]\npath = \"/c\"\nparallel = 16\nexpect = { status = 200, json = '{\"views\": \"{*}\"}' }\n").unwrap();
    assert_eq!(f.sessions[0].requests[0].get_ref().parallel, 16);
    let e = err("[[request]]\npath = \"/c\"\nparallel = 0\nexpect = { status = 200 }\n");
    assert!(e.contains("`parallel` must be 1 to 256"), "{e}");
    let e = err("[[request]]\npath = \"/c\"\nparallel = 4\nexpect = { status = 200, json = '{\"views\": \"{views}\"}' }\n");
    assert!(
        e.contains(":1: ") && e.contains("cannot capture {views}"),
        "{e}"
    );
}
