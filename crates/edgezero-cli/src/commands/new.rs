//! `edgezero new`: scaffold a workspace with a core crate and platform adapters.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use clap::Args;

use crate::Adapter;

pub const EXAMPLES: &str = "Examples:
  edgezero new my-app                       # core + native + Spin adapters in ./my-app
  edgezero new my-app --adapter spin        # only the Spin adapter
  edgezero new my-app --dir ~/src/my-app

EdgeZero dependencies: path dependencies on the EdgeZero source tree this edgezero was built
from, when it is present on this machine (relative paths inside that tree); otherwise git
dependencies on the EdgeZero repository. Override with --edgezero-path or --edgezero-git.
The generated README says which was used. Existing directories are never overwritten.";

/// Arguments of `edgezero new`.
#[derive(Debug, Args)]
pub struct NewArgs {
    /// App name: lower-case letters, digits and `-`, starting with a letter.
    pub name: String,
    /// Adapters to generate (repeatable; default: spin and native).
    #[arg(long, value_enum)]
    pub adapter: Vec<Adapter>,
    /// Directory to create (default: ./<name>).
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// Use path dependencies on this EdgeZero source tree.
    #[arg(long, value_name = "PATH", conflicts_with = "edgezero_git")]
    pub edgezero_path: Option<PathBuf>,
    /// Use git dependencies on this repository URL.
    #[arg(long, value_name = "URL")]
    pub edgezero_git: Option<String>,
}

const REPOSITORY: &str = env!("CARGO_PKG_REPOSITORY");

enum Source {
    Path(PathBuf),
    Git(String),
}

fn built_from_tree() -> Option<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    root.join("crates/edgezero-core/Cargo.toml")
        .is_file()
        .then(|| root.canonicalize().ok())
        .flatten()
}

fn relative_to(target: &Path, from: &Path) -> PathBuf {
    // Both absolute: climb from `from` to the common ancestor, then descend to `target`.
    let t: Vec<_> = target.components().collect();
    let f: Vec<_> = from.components().collect();
    let common = t.iter().zip(&f).take_while(|(a, b)| a == b).count();
    let mut out = PathBuf::new();
    for _ in common..f.len() {
        out.push("..");
    }
    for c in &t[common..] {
        out.push(c);
    }
    out
}

fn dep(source: &Source, crate_name: &str, crate_dir: &Path) -> String {
    match source {
        Source::Path(root) => {
            let target = root.join("crates").join(crate_name);
            let path = if crate_dir.starts_with(root) {
                relative_to(&target, crate_dir)
            } else {
                target
            };
            format!("{crate_name} = {{ path = \"{}\" }}", path.display())
        }
        Source::Git(url) => format!("{crate_name} = {{ git = \"{url}\" }}"),
    }
}

/// The app name becomes the Spin component id and the crate names, so it must be a Spin
/// component id (kebab-case words) made of lower-case letters and digits only.
fn check_name(name: &str) -> Result<()> {
    let problem = edgezero_spin_manifest::ids::component_id_problem(name).or_else(|| {
        name.chars()
            .any(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'))
            .then(|| "use lower-case letters and digits only".to_string())
    });
    if let Some(problem) = problem {
        bail!(
            "`{}` is not a valid app name ({problem}): it becomes the Spin component id, so use lower-case words of letters and digits joined by single `-`, starting with a letter (e.g. my-app); nothing was written",
            name.escape_debug()
        );
    }
    Ok(())
}

/// Runs `edgezero new`.
pub fn run(args: &NewArgs) -> Result<ExitCode> {
    check_name(&args.name)?;
    let dir = args
        .dir
        .clone()
        .unwrap_or_else(|| PathBuf::from(&args.name));
    if dir.exists() {
        bail!(
            "{} already exists; choose another --dir or remove it first (nothing was written)",
            dir.display()
        );
    }
    let adapters = if args.adapter.is_empty() {
        vec![Adapter::Spin, Adapter::Native]
    } else {
        args.adapter.clone()
    };
    let source = match (&args.edgezero_path, &args.edgezero_git) {
        (Some(p), _) => {
            let p = p
                .canonicalize()
                .with_context(|| format!("--edgezero-path {} does not exist", p.display()))?;
            if !p.join("crates/edgezero-core/Cargo.toml").is_file() {
                bail!(
                    "--edgezero-path {} is not an EdgeZero source tree (no crates/edgezero-core)",
                    p.display()
                );
            }
            Source::Path(p)
        }
        (None, Some(url)) => Source::Git(url.clone()),
        (None, None) => {
            built_from_tree().map_or_else(|| Source::Git(REPOSITORY.to_string()), Source::Path)
        }
    };
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let root = dir.canonicalize()?;
    let files = render(&args.name, &adapters, &source, &root);
    for (rel, text) in &files {
        let path = root.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
        std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
    }
    eprintln!("created {} ({} files):", dir.display(), files.len());
    for (rel, _) in &files {
        eprintln!("  {rel}");
    }
    eprintln!(
        "\nnext: cd {} && cargo test && edgezero serve --adapter native",
        dir.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// The files of a new project, as `(relative path, contents)`, sorted by path.
fn render(name: &str, adapters: &[Adapter], source: &Source, root: &Path) -> Vec<(String, String)> {
    let core_dir = root.join(format!("crates/{name}-core"));
    let native_dir = root.join(format!("crates/{name}-adapter-native"));
    let spin_dir = root.join(format!("crates/{name}-adapter-spin"));
    let has = |a: Adapter| adapters.contains(&a);
    let mut members = vec![format!("\"crates/{name}-core\"")];
    let mut adapter_stanzas = String::new();
    if has(Adapter::Native) {
        members.push(format!("\"crates/{name}-adapter-native\""));
        adapter_stanzas.push_str(include_str!("../../templates/adapter-native.toml"));
    }
    if has(Adapter::Spin) {
        adapter_stanzas.push_str(include_str!("../../templates/adapter-spin.toml"));
    }
    let deps_note = match source {
        Source::Path(p) => format!(
            "The EdgeZero crates are path dependencies on the source tree at `{}`. To build elsewhere, replace them with `{{ git = \"{REPOSITORY}\" }}`.",
            p.display()
        ),
        Source::Git(url) => format!("The EdgeZero crates are git dependencies on `{url}`; pin a revision with `rev = \"...\"` for repeatable builds."),
    };
    let vars: Vec<(&str, String)> = vec![
        ("{{members}}", members.join(", ")),
        ("{{adapters}}", adapter_stanzas),
        ("{{deps_note}}", deps_note),
        ("{{dep_core}}", dep(source, "edgezero-core", &core_dir)),
        (
            "{{dep_testkit}}",
            dep(source, "edgezero-testkit", &core_dir),
        ),
        (
            "{{dep_native}}",
            dep(source, "edgezero-adapter-native", &native_dir),
        ),
        (
            "{{dep_spin}}",
            dep(source, "edgezero-adapter-spin", &spin_dir),
        ),
        (
            "{{crate_spin}}",
            format!("{}_adapter_spin", name.replace('-', "_")),
        ),
        ("{{crate}}", format!("{}_core", name.replace('-', "_"))),
        ("{{name}}", name.to_string()),
    ];
    let fill = |t: &str| {
        vars.iter()
            .fold(t.to_string(), |acc, (k, v)| acc.replace(k, v))
    };
    let mut files = vec![
        (
            "Cargo.toml".to_string(),
            fill(include_str!("../../templates/workspace.Cargo.toml")),
        ),
        (
            "edgezero.toml".to_string(),
            fill(include_str!("../../templates/edgezero.toml")),
        ),
        (
            "README.md".to_string(),
            fill(include_str!("../../templates/README.md")),
        ),
        (
            ".gitignore".to_string(),
            include_str!("../../templates/gitignore").to_string(),
        ),
        (
            "config/app_config.toml".to_string(),
            fill(include_str!("../../templates/app_config.toml")),
        ),
        (
            format!("crates/{name}-core/Cargo.toml"),
            fill(include_str!("../../templates/core/Cargo.toml")),
        ),
        (
            format!("crates/{name}-core/src/lib.rs"),
            fill(include_str!("../../templates/core/lib.rs")),
        ),
    ];
    if has(Adapter::Native) {
        files.push((
            format!("crates/{name}-adapter-native/Cargo.toml"),
            fill(include_str!("../../templates/native/Cargo.toml")),
        ));
        files.push((
            format!("crates/{name}-adapter-native/src/main.rs"),
            fill(include_str!("../../templates/native/main.rs")),
        ));
    }
    if has(Adapter::Spin) {
        for (file, text) in [
            (
                "Cargo.toml",
                include_str!("../../templates/spin/Cargo.toml"),
            ),
            ("spin.toml", include_str!("../../templates/spin/spin.toml")),
            (
                "runtime-config.toml",
                include_str!("../../templates/spin/runtime-config.toml"),
            ),
            ("src/lib.rs", include_str!("../../templates/spin/lib.rs")),
        ] {
            files.push((format!("crates/{name}-adapter-spin/{file}"), fill(text)));
        }
    }
    files.sort();
    files
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(check_name("my-app2").is_ok());
        assert!(check_name("app-2").is_ok());
        for bad in [
            "", "My", "1app", "my_app", "app-", "a b", "my--app", "-app", "a:b",
        ] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn relative_paths() {
        assert_eq!(
            relative_to(Path::new("/r/crates/core"), Path::new("/r/x/crates/a")),
            PathBuf::from("../../../crates/core")
        );
    }
}
