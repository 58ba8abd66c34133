//! Everything the runner knows about each platform, in one place: the `edgezero serve` flags
//! that isolate its state in a temporary directory, and how `[setup]` reaches the app
//! (store rows, settings, variables). Adding a platform is one more variant here.

use std::ffi::OsString;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

/// A platform `edgezero serve --adapter <name>` runs an example on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, clap::ValueEnum)]
pub enum Adapter {
    /// The native server (`cargo run` of the example's native crate).
    Native,
    /// The Spin component in the embedded Spin-compatible host (`--embedded`).
    Spin,
    /// The Cloudflare Worker under workerd (miniflare).
    Cloudflare,
    /// The Fastly Compute app under Viceroy.
    Fastly,
}

/// The setup values of one session, placeholders already substituted.
#[derive(Debug, Clone, Default)]
pub struct Prepared {
    /// `EDGEZERO__*` settings.
    pub env: Vec<(String, String)>,
    /// Spin variables / secrets.
    pub variables: Vec<(String, String)>,
    /// Store rows: (kind, store id, key, value).
    pub rows: Vec<(StoreKind, String, String, Vec<u8>)>,
}

/// Which kind of store a setup row is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreKind {
    /// `[setup.kv.<id>]`
    Kv,
    /// `[setup.config.<id>]`
    Config,
}

/// How to serve one session: the arguments after `edgezero`, and the environment.
#[derive(Debug, Clone, Default)]
pub struct ServePlan {
    /// `serve --adapter ... --manifest ... --listen ...` and the adapter's own flags.
    pub args: Vec<OsString>,
    /// Set on the `edgezero serve` process (inherited by the app).
    pub env: Vec<(String, String)>,
}

impl Adapter {
    /// Every adapter, in the order `--help` lists them.
    pub const ALL: &'static [Adapter] = &[
        Adapter::Native,
        Adapter::Spin,
        Adapter::Cloudflare,
        Adapter::Fastly,
    ];

    /// The name `--adapter` takes, and conformance files use.
    pub fn name(self) -> &'static str {
        match self {
            Adapter::Native => "native",
            Adapter::Spin => "spin",
            Adapter::Cloudflare => "cloudflare",
            Adapter::Fastly => "fastly",
        }
    }

    /// The adapter named `name`.
    pub fn from_name(name: &str) -> Option<Adapter> {
        Adapter::ALL.iter().copied().find(|a| a.name() == name)
    }

    /// Writes `setup` into fresh stores under `state` and says how to serve `manifest` on
    /// `listen` so that the app reads them and writes nowhere else. `build`: let `serve`
    /// build first (Spin components; natively `cargo run` always builds).
    pub fn prepare(
        self,
        manifest: &Path,
        state: &Path,
        listen: SocketAddr,
        setup: &Prepared,
        build: bool,
    ) -> Result<ServePlan> {
        let mut plan = ServePlan {
            args: ["serve", "--adapter", self.name(), "--manifest"]
                .iter()
                .map(OsString::from)
                .chain([manifest.as_os_str().to_owned()])
                .chain(["--listen".into(), listen.to_string().into()])
                .collect(),
            env: vec![("EDGEZERO__LOGGING__LEVEL".into(), "warn".into())],
        };
        // Secrets are Spin variables on both: natively SPIN_VARIABLE_<NAME>; the embedded
        // host reads the same variables before spin.toml's defaults.
        if matches!(self, Adapter::Native | Adapter::Spin) {
            for (name, value) in &setup.variables {
                plan.env.push((
                    format!("SPIN_VARIABLE_{}", name.to_ascii_uppercase()),
                    value.clone(),
                ));
            }
        }
        match self {
            Adapter::Cloudflare => {
                // Every store under `state`; settings reach the Worker as vars (serve passes
                // EDGEZERO__* through), secrets as --variable.
                plan.args.push("--state-dir".into());
                plan.args.push(state.as_os_str().to_owned());
                if !build {
                    plan.args.push("--no-build".into());
                }
                for (name, value) in &setup.variables {
                    // A secret `name` is the Worker secret NAME (upper-cased).
                    plan.args.push("--variable".into());
                    plan.args
                        .push(format!("{}={value}", name.to_ascii_uppercase()).into());
                }
                plan.env.extend(setup.env.iter().cloned());
                write_seed(state, setup, "EDGEZERO_CLOUDFLARE_SEED", &mut plan)?;
            }
            Adapter::Fastly => {
                // Every store under `state`; settings reach the app as its settings store
                // (serve passes EDGEZERO__* through), secrets as --variable.
                plan.args.push("--state-dir".into());
                plan.args.push(state.as_os_str().to_owned());
                if !build {
                    plan.args.push("--no-build".into());
                }
                for (name, value) in &setup.variables {
                    plan.args.push("--variable".into());
                    plan.args.push(format!("{name}={value}").into());
                }
                plan.env.extend(setup.env.iter().cloned());
                write_seed(state, setup, "EDGEZERO_FASTLY_SEED", &mut plan)?;
            }
            Adapter::Native => {
                let db = state.join("sqlite_key_value.db");
                // Config and KV rows share Spin's table, each id on the label of its name.
                write_rows(&db, setup.rows.iter().map(|(_, id, k, v)| (id, k, v)))?;
                plan.env.push((
                    "EDGEZERO__ADAPTER__KV_PATH".into(),
                    db.display().to_string(),
                ));
                plan.env.extend(setup.env.iter().cloned());
            }
            Adapter::Spin => {
                let spin_dir = spin_dir(manifest)?;
                let rc = spin_dir.join("runtime-config.toml");
                // The runtime config's relative paths resolve against its own directory:
                // a copy in `state` puts every SQLite store there.
                let files = if rc.is_file() {
                    let copy = state.join("runtime-config.toml");
                    std::fs::copy(&rc, &copy)
                        .with_context(|| format!("cannot copy {}", rc.display()))?;
                    plan.args.push("--runtime-config".into());
                    plan.args.push(copy.clone().into());
                    sqlite_labels(&copy, state)?
                } else {
                    Vec::new()
                };
                for (_, id, key, value) in &setup.rows {
                    let file = match files.iter().find(|(label, _)| label == id) {
                        Some((_, file)) => file.clone(),
                        None if id == "default" => state.join("sqlite_key_value.db"),
                        None => bail!(
                            "[setup] writes store `{id}`, which has no SQLite stanza in {}",
                            rc.display()
                        ),
                    };
                    write_rows(&file, [(id, key, value)])?;
                }
                plan.args.extend(
                    ["--embedded", "--state-dir"]
                        .iter()
                        .map(OsString::from)
                        .chain([state.as_os_str().to_owned()]),
                );
                if !build {
                    plan.args.push("--no-build".into());
                }
                for (k, v) in &setup.env {
                    plan.args.push("--env".into());
                    plan.args.push(format!("{k}={v}").into());
                }
            }
        }
        Ok(plan)
    }
}

/// Writes the setup's store rows into a seed file that `serve` writes into the local
/// stores before the app starts, named by `var`.
fn write_seed(state: &Path, setup: &Prepared, var: &str, plan: &mut ServePlan) -> Result<()> {
    if setup.rows.is_empty() {
        return Ok(());
    }
    let file = state.join("seed.json");
    let entries: Vec<serde_json::Value> = setup
        .rows
        .iter()
        .map(|(kind, id, key, value)| {
            let kind = match kind {
                StoreKind::Kv => "kv",
                StoreKind::Config => "config",
            };
            let value = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, value);
            serde_json::json!({ "kind": kind, "id": id, "key": key, "value": value })
        })
        .collect();
    std::fs::write(&file, serde_json::to_vec(&entries)?)
        .with_context(|| format!("cannot write {}", file.display()))?;
    plan.env.push((var.into(), file.display().to_string()));
    Ok(())
}

fn read_toml(path: &Path) -> Result<toml::Value> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    toml::from_str(&text).with_context(|| format!("{} is not valid TOML", path.display()))
}

/// The directory of the example's spin.toml, as `edgezero serve` finds it:
/// `[adapters.spin.adapter].manifest`, else `<crate>/spin.toml`.
fn spin_dir(manifest: &Path) -> Result<PathBuf> {
    let doc = read_toml(manifest)?;
    let section = doc
        .get("adapters")
        .and_then(|a| a.get("spin"))
        .and_then(|s| s.get("adapter"));
    let get = |key: &str| section.and_then(|s| s.get(key)).and_then(|v| v.as_str());
    let root = manifest.parent().unwrap_or(Path::new("."));
    let spin_toml = match (get("manifest"), get("crate")) {
        (Some(m), _) => root.join(m),
        (None, Some(c)) => root.join(c).join("spin.toml"),
        (None, None) => bail!(
            "{} has no [adapters.spin.adapter] manifest or crate",
            manifest.display()
        ),
    };
    Ok(spin_toml
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default())
}

/// `(label, file)` of each `type = "spin"` store with a `path` in a runtime config.
fn sqlite_labels(rc: &Path, dir: &Path) -> Result<Vec<(String, PathBuf)>> {
    let doc = read_toml(rc)?;
    let mut out = Vec::new();
    let Some(stores) = doc.get("key_value_store").and_then(|s| s.as_table()) else {
        return Ok(out);
    };
    for (label, stanza) in stores {
        let kind = stanza.get("type").and_then(|t| t.as_str());
        match (kind, stanza.get("path").and_then(|p| p.as_str())) {
            (Some("spin"), Some(p)) if Path::new(p).is_relative() => {
                out.push((label.clone(), dir.join(p)))
            }
            (Some("spin"), None) => {}
            _ => bail!(
                "{}: [key_value_store.{label}] is not a SQLite file relative to it; the runner can only isolate those (in a temporary directory)",
                rc.display()
            ),
        }
    }
    Ok(out)
}

fn write_rows<'a>(
    file: &Path,
    rows: impl IntoIterator<Item = (&'a String, &'a String, &'a Vec<u8>)>,
) -> Result<()> {
    let conn = edgezero_spin_sqlite::open(file)?;
    for (label, key, value) in rows {
        edgezero_spin_sqlite::set(&conn, label, key, value)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn example(dir: &Path) -> PathBuf {
        std::fs::create_dir_all(dir.join("crates/app-spin")).unwrap();
        std::fs::write(
            dir.join("edgezero.toml"),
            "[app]\nname = \"app\"\n[adapters.native.adapter]\ncrate = \"crates/app-native\"\n[adapters.spin.adapter]\ncrate = \"crates/app-spin\"\n",
        )
        .unwrap();
        std::fs::write(
            dir.join("crates/app-spin/runtime-config.toml"),
            "[key_value_store.app_config]\ntype = \"spin\"\npath = \".spin/sqlite_key_value.db\"\n",
        )
        .unwrap();
        dir.join("edgezero.toml")
    }

    fn setup() -> Prepared {
        Prepared {
            env: vec![("EDGEZERO__HTTP__TIMEOUT_MS".into(), "1000".into())],
            variables: vec![("api_token".into(), "t".into())],
            rows: vec![
                (StoreKind::Kv, "default".into(), "k".into(), b"v".to_vec()),
                (
                    StoreKind::Config,
                    "app_config".into(),
                    "a.b".into(),
                    b"c".to_vec(),
                ),
            ],
        }
    }

    fn read(file: &Path, label: &str, key: &str) -> Option<Vec<u8>> {
        let conn = edgezero_spin_sqlite::open(file).unwrap();
        edgezero_spin_sqlite::get(&conn, label, key).unwrap()
    }

    fn args(plan: &ServePlan) -> String {
        plan.args
            .iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join(" ")
    }

    #[test]
    fn native_state_is_one_file_in_the_state_directory() {
        let project = tempfile::tempdir().unwrap();
        let state = tempfile::tempdir().unwrap();
        let manifest = example(project.path());
        let listen = "127.0.0.1:9".parse().unwrap();
        let plan = Adapter::Native
            .prepare(&manifest, state.path(), listen, &setup(), true)
            .unwrap();
        let db = state.path().join("sqlite_key_value.db");
        assert_eq!(read(&db, "default", "k"), Some(b"v".to_vec()));
        assert_eq!(read(&db, "app_config", "a.b"), Some(b"c".to_vec()));
        let env = |k: &str| {
            plan.env
                .iter()
                .find(|(n, _)| n == k)
                .map(|(_, v)| v.clone())
        };
        assert_eq!(
            env("EDGEZERO__ADAPTER__KV_PATH"),
            Some(db.display().to_string())
        );
        assert_eq!(env("EDGEZERO__HTTP__TIMEOUT_MS").as_deref(), Some("1000"));
        assert_eq!(env("SPIN_VARIABLE_API_TOKEN").as_deref(), Some("t"));
        assert_eq!(
            args(&plan),
            format!(
                "serve --adapter native --manifest {} --listen 127.0.0.1:9",
                manifest.display()
            )
        );
    }

    #[test]
    fn spin_state_and_runtime_config_are_copied_into_the_state_directory() {
        let project = tempfile::tempdir().unwrap();
        let state = tempfile::tempdir().unwrap();
        let manifest = example(project.path());
        let listen = "127.0.0.1:9".parse().unwrap();
        let plan = Adapter::Spin
            .prepare(&manifest, state.path(), listen, &setup(), false)
            .unwrap();
        let s = state.path().display();
        assert_eq!(
            args(&plan),
            format!(
                "serve --adapter spin --manifest {} --listen 127.0.0.1:9 --runtime-config {s}/runtime-config.toml --embedded --state-dir {s} --no-build --env EDGEZERO__HTTP__TIMEOUT_MS=1000",
                manifest.display()
            )
        );
        // `default` in --state-dir, the stanza's label at its path relative to the copy.
        let default = state.path().join("sqlite_key_value.db");
        assert_eq!(read(&default, "default", "k"), Some(b"v".to_vec()));
        let stanza = state.path().join(".spin/sqlite_key_value.db");
        assert_eq!(read(&stanza, "app_config", "a.b"), Some(b"c".to_vec()));
        assert!(!project.path().join("crates/app-spin/.spin").exists());
    }

    #[test]
    fn spin_setup_of_a_store_without_a_stanza_is_an_error() {
        let project = tempfile::tempdir().unwrap();
        let state = tempfile::tempdir().unwrap();
        let manifest = example(project.path());
        let mut s = setup();
        s.rows
            .push((StoreKind::Kv, "cache".into(), "k".into(), b"v".to_vec()));
        let listen = "127.0.0.1:9".parse().unwrap();
        let err = Adapter::Spin
            .prepare(&manifest, state.path(), listen, &s, true)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("store `cache`, which has no SQLite stanza"),
            "{err}"
        );
    }

    #[test]
    fn names_round_trip() {
        for a in Adapter::ALL {
            assert_eq!(Adapter::from_name(a.name()), Some(*a));
        }
        assert_eq!(Adapter::from_name("lambda"), None);
    }
}
