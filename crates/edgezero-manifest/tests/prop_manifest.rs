//! Property test: any TOML-ish text parses to a manifest or an error, never a panic.

use edgezero_manifest::Manifest;
use proptest::prelude::*;
use proptest::test_runner::Config;

/// 1000 cases, unless `PROPTEST_CASES` asks for another number (proptest parses it).
fn config() -> Config {
    if std::env::var_os("PROPTEST_CASES").is_some() {
        Config::default()
    } else {
        Config::with_cases(1000)
    }
}

/// Lines that look like a manifest, with enough noise to reach every error path.
fn line() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("[app]".to_string()),
        Just("name = \"x\"".to_string()),
        Just("middleware = [\"crate::m\"]".to_string()),
        Just("[[triggers.http]]".to_string()),
        Just("handler = \"crate::h\"".to_string()),
        Just("methods = [\"GET\", \"delete\"]".to_string()),
        Just("[stores.kv]".to_string()),
        Just("ids = [\"a\", \"b\"]".to_string()),
        Just("default = \"a\"".to_string()),
        Just("[adapters.native.adapter]".to_string()),
        Just("port = 8787".to_string()),
        "path = \"[/{}*a-zé:.]{0,12}\"".prop_map(|s| s),
        "[a-z_.]{1,8} = (\"[^\"\\\\\n]{0,8}\"|[0-9]{1,6}|true|\\[\\])",
        "[\\[\\]{}=\"'#é✓\t a-z0-9]{0,16}",
    ]
}

/// Route patterns built from the pieces that matter to the matcher.
fn pattern() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            Just("/"),
            Just("{"),
            Just("}"),
            Just("{id}"),
            Just("{name}"),
            Just("{*rest}"),
            Just("{{"),
            Just("a"),
            Just("é"),
            Just("è"),
        ],
        0..7,
    )
    .prop_map(|parts| parts.concat())
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn any_text_is_a_manifest_or_an_error(lines in proptest::collection::vec(line(), 0..14)) {
        let text = lines.join("\n");
        match Manifest::parse("edgezero.toml", &text) {
            Ok(m) => prop_assert!(!m.app.name.trim().is_empty()),
            Err(e) => {
                prop_assert!(!e.message.is_empty());
                prop_assert!(e.to_string().starts_with("edgezero.toml"));
            }
        }
    }

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,200}") {
        let _ = Manifest::parse("edgezero.toml", &text);
    }

    #[test]
    fn random_route_tables_are_checked_without_panic(
        routes in proptest::collection::vec((pattern(), prop_oneof![Just("GET"), Just("DELETE")]), 1..8),
    ) {
        let mut text = String::from("[app]\nname = \"x\"\n");
        for (path, method) in &routes {
            let path = path.replace('\\', "\\\\").replace('"', "\\\"");
            text.push_str(&format!(
                "[[triggers.http]]\npath = \"/{path}\"\nmethods = [\"{method}\"]\nhandler = \"crate::h\"\n"
            ));
        }
        match Manifest::parse("edgezero.toml", &text) {
            Ok(m) => prop_assert_eq!(m.http_triggers.len(), routes.len()),
            Err(e) => {
                prop_assert!(e.line.is_some(), "{}", e);
                prop_assert!(e.key.as_deref().is_some_and(|k| k.starts_with("triggers.http.")), "{}", e);
            }
        }
    }
}
