//! `edgezero new`: scaffold a workspace with a core crate and platform adapters.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use clap::Args;

use crate::platform::Platform;

pub const EXAMPLES: &str = "Examples:
  edgezero new my-app                       # core + native + Spin adapters in ./my-app
  edgezero new my-app --adapter spin        # only the Spin adapter
  edgezero new my-app --dir ~/src/my-app

EdgeZero dependencies: path dependencies on the EdgeZero source tree this edgezero was built
from, when it is present on this machine (relative paths inside that tree); otherwise git
dependencies on the EdgeZero repository. Override with --edgezero-path or --edgezero-git.
The generated README says which was used.
The name becomes the Spin component id and the prefix of the package names (<name>-core,
<name>-adapter-native, <name>-adapter-spin), so it is lower-case words of letters and digits
joined by single `-`, at most 64 characters, and neither `edgezero` nor `edgezero-...` (the
framework's own packages). The files are written into a new directory next to the target and
moved into place at the end: a failure leaves nothing behind. An existing file or directory is
never overwritten.";

/// Arguments of `edgezero new`.
#[derive(Debug, Args)]
pub struct NewArgs {
    /// App name: lower-case letters, digits and `-`, starting with a letter, at most 64 characters.
    pub name: String,
    /// Adapters to generate (repeatable; default: spin and native).
    #[arg(long, value_enum)]
    pub adapter: Vec<Platform>,
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

/// The longest app name. Cargo names build files after a crate twice
/// (`<crate>-<hash>.<crate>.<hash>-cgu.00.rcgu.o`, crate `<name>_adapter_native`), and a
/// file name has at most 255 bytes on common file systems.
pub const MAX_NAME_LEN: usize = 64;

/// Why `name` cannot be an app name, or `None`. The name becomes the Spin component id and
/// the package names `<name>-core`, `<name>-adapter-native` and `<name>-adapter-spin`.
fn name_problem(name: &str) -> Option<String> {
    if name.chars().count() > MAX_NAME_LEN {
        return Some(format!(
            "it has {} characters; the limit is {MAX_NAME_LEN}, so that every generated file name fits the file system's limit",
            name.chars().count()
        ));
    }
    if let Some(problem) = edgezero_spin_manifest::ids::component_id_problem(name) {
        return Some(problem);
    }
    if name
        .chars()
        .any(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'))
    {
        return Some("use lower-case letters and digits only".to_string());
    }
    if name == "edgezero" || name.starts_with("edgezero-") {
        return Some(format!(
            "`edgezero` and `edgezero-...` are reserved for the framework's own packages (edgezero-core, edgezero-adapter-spin, ...), which the generated `{name}-core` and `{name}-adapter-...` would clash with"
        ));
    }
    None
}

/// A valid name close to `name`, for the error message.
fn suggest(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars().map(|c| c.to_ascii_lowercase()) {
        if c.is_ascii_lowercase() || (c.is_ascii_digit() && !out.is_empty()) {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    if out.starts_with("edgezero") {
        out.insert_str(0, "my-");
    }
    out.truncate(MAX_NAME_LEN);
    let out = out.trim_end_matches('-').to_string();
    if name_problem(&out).is_none() {
        out
    } else {
        "my-app".to_string()
    }
}

fn check_name(name: &str) -> Result<()> {
    if let Some(problem) = name_problem(name) {
        bail!(
            "`{}` is not a valid app name: {problem}. It becomes the Spin component id and the prefix of the package names, so use lower-case words of letters and digits joined by single `-`, starting with a letter, at most {MAX_NAME_LEN} characters; e.g. `{}`. Nothing was written",
            name.escape_debug(),
            suggest(name)
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
    refuse_existing(&dir)?;
    let adapters = if args.adapter.is_empty() {
        Platform::ALL.to_vec()
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
    let created = create_parents(&dir)?;
    let files = match scaffold(&dir, &args.name, &adapters, &source) {
        Ok(files) => files,
        Err(e) => {
            remove_dirs(&created);
            return Err(e.context(format!(
                "cannot create {}; nothing was written",
                dir.display()
            )));
        }
    };
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

fn refuse_existing(dir: &Path) -> Result<()> {
    // `symlink_metadata`: a dangling symlink is in the way too.
    if std::fs::symlink_metadata(dir).is_ok() {
        bail!(
            "{} already exists; choose another --dir or remove it first (nothing was written)",
            dir.display()
        );
    }
    Ok(())
}

/// Creates the missing ancestors of `dir`, outermost first, and returns them.
fn create_parents(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut missing = Vec::new();
    let mut next = dir.parent();
    while let Some(d) = next.filter(|d| !d.as_os_str().is_empty()) {
        if std::fs::symlink_metadata(d).is_ok() {
            break;
        }
        missing.push(d.to_path_buf());
        next = d.parent();
    }
    missing.reverse();
    for (i, d) in missing.iter().enumerate() {
        if let Err(e) = std::fs::create_dir(d) {
            remove_dirs(&missing[..i]);
            return Err(e).with_context(|| format!("cannot create {}", d.display()));
        }
    }
    Ok(missing)
}

/// Removes the (empty) directories `create_parents` made, innermost first.
fn remove_dirs(dirs: &[PathBuf]) {
    for d in dirs.iter().rev() {
        let _ = std::fs::remove_dir(d);
    }
}

/// Writes the project into a new directory next to `dir` (same file system) and renames it
/// to `dir` at the end, so that a failure on the way leaves nothing that blocks a retry.
fn scaffold(
    dir: &Path,
    name: &str,
    adapters: &[Platform],
    source: &Source,
) -> Result<Vec<(String, String)>> {
    let file_name = dir.file_name().with_context(|| {
        format!(
            "{} does not end in the name of a directory to create; pass e.g. --dir ./{name}",
            dir.display()
        )
    })?;
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let parent = parent
        .canonicalize()
        .with_context(|| format!("cannot open {}", parent.display()))?;
    let root = parent.join(file_name);
    let files = render(name, adapters, source, &root);
    let staging = Staging::create(&parent)?;
    for (rel, text) in &files {
        let path = staging.path.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", root.join(rel).display()))?;
        }
        std::fs::write(&path, text)
            .with_context(|| format!("cannot write {}", root.join(rel).display()))?;
    }
    // Someone may have created it meanwhile: rename(2) would replace an empty directory.
    refuse_existing(&root)?;
    std::fs::rename(&staging.path, &root)
        .with_context(|| format!("cannot move the new project to {}", root.display()))?;
    staging.keep();
    Ok(files)
}

/// A directory that is removed, with its contents, unless kept.
struct Staging {
    path: PathBuf,
    keep: bool,
}

impl Staging {
    fn create(parent: &Path) -> Result<Staging> {
        let pid = std::process::id();
        for n in 0..100 {
            let path = parent.join(format!(".edgezero-new-{pid}-{n}"));
            match std::fs::create_dir(&path) {
                Ok(()) => return Ok(Staging { path, keep: false }),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => {
                    return Err(e).with_context(|| {
                        format!("cannot create a directory in {}", parent.display())
                    })
                }
            }
        }
        bail!(
            "cannot create a directory in {}: .edgezero-new-{pid}-0 to -99 all exist; remove them",
            parent.display()
        )
    }

    fn keep(mut self) {
        self.keep = true;
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.keep {
            let _ = std::fs::remove_dir_all(&self.path);
        }
    }
}

/// The files of a new project, as `(relative path, contents)`, sorted by path.
fn render(
    name: &str,
    adapters: &[Platform],
    source: &Source,
    root: &Path,
) -> Vec<(String, String)> {
    let core_dir = root.join(format!("crates/{name}-core"));
    let chosen: Vec<Platform> = Platform::ALL
        .into_iter()
        .filter(|p| adapters.contains(p))
        .collect();
    let mut members = vec![format!("\"crates/{name}-core\"")];
    let mut adapter_stanzas = String::new();
    for p in &chosen {
        let t = p.templates();
        if t.workspace_member {
            members.push(format!("\"crates/{name}-adapter-{}\"", p.name()));
        }
        adapter_stanzas.push_str(t.stanza);
    }
    let deps_note = match source {
        Source::Path(p) => format!(
            "The EdgeZero crates are path dependencies on the source tree at `{}`. To build elsewhere, replace them with `{{ git = \"{REPOSITORY}\" }}`.",
            p.display()
        ),
        Source::Git(url) => format!("The EdgeZero crates are git dependencies on `{url}`; pin a revision with `rev = \"...\"` for repeatable builds."),
    };
    let mut vars: Vec<(String, String)> = [
        ("{{members}}", members.join(", ")),
        ("{{adapters}}", adapter_stanzas),
        ("{{deps_note}}", deps_note),
        ("{{dep_core}}", dep(source, "edgezero-core", &core_dir)),
        (
            "{{dep_testkit}}",
            dep(source, "edgezero-testkit", &core_dir),
        ),
        ("{{crate}}", format!("{}_core", name.replace('-', "_"))),
        ("{{name}}", name.to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    for p in Platform::ALL {
        let adapter = format!("{name}-adapter-{}", p.name());
        vars.push((
            format!("{{{{dep_{}}}}}", p.name()),
            dep(
                source,
                &format!("edgezero-adapter-{}", p.name()),
                &root.join(format!("crates/{adapter}")),
            ),
        ));
        vars.push((
            format!("{{{{crate_{}}}}}", p.name()),
            adapter.replace('-', "_"),
        ));
    }
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
    for p in &chosen {
        for (file, text) in p.templates().files {
            files.push((
                format!("crates/{name}-adapter-{}/{file}", p.name()),
                fill(text),
            ));
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
        assert!(check_name(&"a".repeat(MAX_NAME_LEN)).is_ok());
        assert!(check_name("edgezeroapp").is_ok());
        for bad in [
            "",
            "My",
            "1app",
            "my_app",
            "app-",
            "a b",
            "my--app",
            "-app",
            "a:b",
            "edgezero",
            "edgezero-core",
            "é",
        ] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
        let long = "a".repeat(MAX_NAME_LEN + 1);
        assert!(name_problem(&long).unwrap().contains("the limit is 64"));
        assert!(name_problem("edgezero").unwrap().contains("edgezero-core"));
    }

    #[test]
    fn suggestions_are_valid_names() {
        for (bad, good) in [
            ("My_App", "my-app"),
            ("1app", "app"),
            ("a b", "a-b"),
            ("app-", "app"),
            ("my--app", "my-app"),
            ("edgezero", "my-edgezero"),
            ("edgezero-core", "my-edgezero-core"),
            ("é", "my-app"),
            ("", "my-app"),
        ] {
            assert_eq!(suggest(bad), good, "{bad}");
        }
        let long = suggest(&"ab-".repeat(100));
        assert!(
            long.len() <= MAX_NAME_LEN && name_problem(&long).is_none(),
            "{long}"
        );
    }

    #[test]
    fn relative_paths() {
        assert_eq!(
            relative_to(Path::new("/r/crates/core"), Path::new("/r/x/crates/a")),
            PathBuf::from("../../../crates/core")
        );
    }
}
