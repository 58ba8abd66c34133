//! What a built component imports, read from its binary, and the deploy targets that cannot
//! provide some of it: Spin runtimes without `wasi:keyvalue/atomics`, which
//! edgezero-adapter-spin imports by default (its `wasi-keyvalue` feature).

use std::path::Path;

use anyhow::{Context, Result};
use edgezero_manifest::Manifest;
use wasmparser::{Parser, Payload};

use super::SpinApp;

/// The interface a component built with edgezero-adapter-spin's `wasi-keyvalue` feature
/// imports for `increment` / `compare_and_swap`.
pub const ATOMICS: &str = "wasi:keyvalue/atomics";

/// The names a component imports (`wasi:keyvalue/atomics@0.2.0-draft2`, ...), nested
/// components' included.
pub fn component_imports(wasm: &Path) -> Result<Vec<String>> {
    let bytes = std::fs::read(wasm).with_context(|| format!("cannot read {}", wasm.display()))?;
    imports_of(&bytes).with_context(|| format!("{} is not a readable component", wasm.display()))
}

fn imports_of(bytes: &[u8]) -> Result<Vec<String>> {
    let mut names = Vec::new();
    for payload in Parser::new(0).parse_all(bytes) {
        if let Payload::ComponentImportSection(reader) = payload? {
            for import in reader {
                names.push(import?.name.0.to_string());
            }
        }
    }
    Ok(names)
}

/// A deploy target that cannot load a component importing `wasi:keyvalue/atomics`, as the
/// platform's own feature tables say: Fermyon Cloud lists no `wasi:keyvalue`
/// (developer.fermyon.com/cloud/faq), Fermyon Wasm Functions / Akamai Functions
/// `wasi:keyvalue/store` and `batch` only (developer.fermyon.com/wasm-functions/faq).
/// `deploy` is `[adapters.spin.commands].deploy` (`None`: the built-in `spin deploy`, whose
/// platform is `plugin`, Spin 4's `SPIN_DEPLOY_PLUGIN`).
pub fn target_without_atomics(deploy: Option<&str>, plugin: Option<&str>) -> Option<&'static str> {
    const CLOUD: &str = "Fermyon Cloud";
    const AKA: &str = "Akamai Functions (Fermyon Wasm Functions)";
    let by_plugin = |p: Option<&str>| match p.map(str::trim) {
        Some("cloud") => Some(CLOUD),
        Some("aka") => Some(AKA),
        _ => None,
    };
    match deploy {
        None => by_plugin(plugin),
        Some(d) if d.contains("spin aka deploy") => Some(AKA),
        Some(d) if d.contains("spin cloud deploy") => Some(CLOUD),
        // A bare `spin deploy` is Fermyon Cloud unless the plugin says otherwise.
        Some(d) if d.contains("spin deploy") => by_plugin(plugin).or(Some(CLOUD)),
        Some(_) => None,
    }
}

/// The app's deploy target when it lacks `wasi:keyvalue/atomics`.
pub fn deploy_target_without_atomics(manifest: &Manifest) -> Option<&'static str> {
    let deploy = manifest
        .adapter("spin")
        .and_then(|a| a.commands.deploy.as_deref());
    let plugin = std::env::var("SPIN_DEPLOY_PLUGIN").ok();
    target_without_atomics(deploy, plugin.as_deref())
}

/// For each component of `app` whose built `source` imports `wasi:keyvalue/atomics`, which
/// `target` lacks: what is wrong and how to fix it. Components not built yet are skipped.
pub fn atomics_problems(target: &str, app: &SpinApp) -> Vec<String> {
    let mut out = Vec::new();
    for c in app.components() {
        if !c.source.is_file() {
            continue;
        }
        let imports = match component_imports(&c.source) {
            Ok(imports) => imports,
            Err(e) => {
                out.push(format!("{e:#}"));
                continue;
            }
        };
        let Some(import) = imports.iter().find(|i| i.starts_with(ATOMICS)) else {
            continue;
        };
        out.push(format!(
            "component `{}` ({}) imports {import}, which {target} does not provide, so it would not load there. \
             Build it without edgezero-adapter-spin's default `wasi-keyvalue` feature: \
             `edgezero-adapter-spin = {{ version = \"0.1\", default-features = false }}` in its Cargo.toml \
             (`increment` / `compare_and_swap` then answer 501), or deploy to a Spin 4 runtime",
            c.id,
            c.source.display()
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_without_atomics() {
        assert_eq!(
            target_without_atomics(Some("spin cloud deploy --from x"), None),
            Some("Fermyon Cloud")
        );
        assert_eq!(
            target_without_atomics(Some("spin deploy"), None),
            Some("Fermyon Cloud")
        );
        assert!(target_without_atomics(Some("spin deploy"), Some("aka"))
            .unwrap()
            .starts_with("Akamai"));
        assert!(target_without_atomics(Some("spin aka deploy"), None)
            .unwrap()
            .starts_with("Akamai"));
        assert_eq!(
            target_without_atomics(None, Some("cloud")),
            Some("Fermyon Cloud")
        );
        assert_eq!(target_without_atomics(None, None), None);
        assert_eq!(
            target_without_atomics(Some("kubectl apply -f app.yaml"), None),
            None
        );
    }

    #[test]
    fn a_core_module_has_no_component_imports() {
        // `(module)`: magic and version 1, no sections.
        assert_eq!(
            imports_of(b"\0asm\x01\0\0\0").unwrap(),
            Vec::<String>::new()
        );
        assert!(imports_of(b"not wasm").is_err());
    }
}
