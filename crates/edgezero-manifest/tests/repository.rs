//! Every manifest in the repository parses, and the root one mirrors the URL shortener's.

use std::path::{Path, PathBuf};

use edgezero_manifest::Manifest;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[test]
fn example_manifests_parse() {
    for ex in ["counter", "url-shortener", "kv-api"] {
        let m = Manifest::load(root().join("examples").join(ex).join("edgezero.toml")).unwrap();
        assert_eq!(m.app.name, ex);
        for adapter in ["native", "spin"] {
            assert!(
                m.adapter(adapter).is_some(),
                "{ex} declares no {adapter} adapter"
            );
        }
    }
}

#[test]
fn root_manifest_mirrors_the_url_shortener() {
    let top = Manifest::load(root().join("edgezero.toml")).unwrap();
    let ex = Manifest::load(root().join("examples/url-shortener/edgezero.toml")).unwrap();
    assert_eq!(top.app, ex.app);
    assert_eq!(top.http_triggers, ex.http_triggers);
    assert_eq!(top.stores, ex.stores);
    for (name, section) in &top.adapters {
        let theirs = &ex.adapters[name];
        let resolve =
            |m: &Manifest, p: &Option<String>| p.as_ref().map(|p| m.resolve(p).canonicalize().ok());
        assert_eq!(
            resolve(&top, &section.adapter.crate_dir),
            resolve(&ex, &theirs.adapter.crate_dir),
            "{name} crate"
        );
        assert_eq!(section.commands, theirs.commands);
    }
}
