//! `edgezero serve --adapter fastly`: the app built, then run under Viceroy with its stores
//! kept in the app's folder (`.edgezero/fastly/state`, see [`super::state`]).
//!
//! Viceroy is given a fastly.toml of its own, written into the state directory: the app's
//! `[local_server]` with every KV and config store of edgezero.toml loaded from the state
//! files, the secrets of `--variable`, the `EDGEZERO__*` settings (edgezero.toml
//! `[environment]` and the shell) as the Config Store `edgezero_settings`, and the backend
//! of the local state server, through which the app reports its KV writes.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Command, ExitCode};

use anyhow::{bail, Context, Result};
use edgezero_core::env::StoreKind;
use edgezero_fastly_names::{LOCAL_STATE_BACKEND, SETTINGS_STORE, VICEROY_VERSION};
use edgezero_manifest::Manifest;
use toml::{Table, Value};

use super::fastly_toml::{FastlyToml, Section};
use super::state::{parse_kv, Item, Items, State};
use super::state_server::StateServer;
use super::{load_fastly_toml, store_name};
use crate::key_values;
use crate::platform::serve::{read_seed_file, Build, InProcess, Runtime, ServeArgs, ServePlan};
use crate::platform::toolchain::find_tool;
use crate::platform::Platform;
use crate::process;
use crate::project::adapter_section;

/// The variable naming a seed file (rows written into the local stores before the app
/// starts; the conformance runner writes it).
pub const SEED_VAR: &str = "EDGEZERO_FASTLY_SEED";

/// Where Viceroy listens unless told otherwise (its own default).
const DEFAULT_LISTEN: &str = "127.0.0.1:7676";

/// Everything the run needs.
#[derive(Debug)]
pub struct FastlyServe {
    viceroy: PathBuf,
    fastly_toml: FastlyToml,
    listen: SocketAddr,
    state: State,
    kv: Vec<String>,
    config: Vec<String>,
    secrets: Vec<String>,
    variables: Vec<(String, String)>,
    settings: Vec<(String, String)>,
    kv_seed: Vec<(String, String, Vec<u8>)>,
    config_seed: Vec<(String, String, String)>,
}

/// The Viceroy binary: `EDGEZERO_VICEROY`, else `viceroy` on PATH or in cargo's bin.
pub fn viceroy() -> Result<PathBuf> {
    if let Some(path) = std::env::var_os("EDGEZERO_VICEROY").filter(|p| !p.is_empty()) {
        let path = PathBuf::from(path);
        if !path.is_file() {
            bail!(
                "EDGEZERO_VICEROY is {}, which is not a file",
                path.display()
            );
        }
        return Ok(path);
    }
    match find_tool("viceroy") {
        Some(dir) => Ok(dir.join("viceroy")),
        None => bail!(
            "Viceroy, Fastly's local runtime, is not installed; install it with `cargo install viceroy --locked --version {VICEROY_VERSION}` (or set EDGEZERO_VICEROY to its path)"
        ),
    }
}

fn names(manifest: &Manifest, kind: StoreKind, ids: &[String]) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for id in ids {
        let name = store_name(manifest, kind, id);
        if let Some(problem) = edgezero_fastly_names::check_store_name(&name) {
            bail!("{problem} (the name of store id `{id}`)");
        }
        if !out.contains(&name) {
            out.push(name);
        }
    }
    Ok(out)
}

/// Resolves everything `serve` needs; nothing is built or started yet.
pub fn plan(manifest: &Manifest, args: &ServeArgs) -> Result<ServePlan> {
    args.refuse_spin_only("a Fastly app reads EDGEZERO__* settings from edgezero.toml [environment] and the shell, and its secrets from --variable or fastly.toml [local_server.secret_stores]")?;
    let section = adapter_section(manifest, Platform::Fastly)?;
    if let Some(serve) = &section.commands.serve {
        return Ok(ServePlan {
            platform: Platform::Fastly,
            build: None,
            seed: None,
            runtime: Runtime::process(process::shell(serve), args, section),
        });
    }
    let (_, fastly_toml) = load_fastly_toml(manifest)?;
    let state = State::new(match &args.state_dir {
        Some(dir) => std::env::current_dir()?.join(dir),
        None => manifest.root().join(".edgezero/fastly/state"),
    });
    let listen = match args.listen {
        Some(addr) => addr,
        None => {
            let default: SocketAddr = DEFAULT_LISTEN.parse()?;
            let host = section
                .adapter
                .host
                .clone()
                .unwrap_or(default.ip().to_string());
            let port = section.adapter.port.unwrap_or(default.port());
            format!("{host}:{port}").parse().with_context(|| {
                format!("[adapters.fastly.adapter] host `{host}` is not an IP address")
            })?
        }
    };
    let kv = names(manifest, StoreKind::Kv, &manifest.stores.kv.ids)?;
    let config = names(manifest, StoreKind::Config, &manifest.stores.config.ids)?;
    let secrets = names(manifest, StoreKind::Secrets, &manifest.stores.secrets.ids)?;
    // NAME=VALUE, NAME=@FILE or NAME=- : a secret of every Secret Store of the app, under
    // its entry name (lower case).
    let variables = key_values::read(&args.variable)?
        .into_iter()
        .map(|v| (edgezero_fastly_names::secret_entry(&v.key), v.value))
        .collect();
    let mut settings: Vec<(String, String)> = manifest
        .environment
        .iter()
        .filter(|(k, _)| k.starts_with("EDGEZERO__"))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    for (k, v) in std::env::vars() {
        if k.starts_with("EDGEZERO__") {
            settings.retain(|(n, _)| *n != k);
            settings.push((k, v));
        }
    }
    let mut kv_seed = Vec::new();
    let mut config_seed = Vec::new();
    if !args.key_value.is_empty() {
        let store = store_name(manifest, StoreKind::Kv, "default");
        if !kv.contains(&store) {
            bail!("--key-value writes into the `default` KV store, which edgezero.toml does not declare ([stores.kv] ids)");
        }
        for v in key_values::read(&args.key_value)? {
            kv_seed.push((store.clone(), v.key, v.value.into_bytes()));
        }
    }
    if let Some(file) = std::env::var_os(SEED_VAR).filter(|f| !f.is_empty()) {
        let file = PathBuf::from(file);
        for entry in read_seed_file(&file)? {
            let value =
                base64::Engine::decode(&base64::engine::general_purpose::STANDARD, &entry.value)
                    .with_context(|| {
                        format!(
                            "{}: the value of `{}` is not base64",
                            file.display(),
                            entry.key
                        )
                    })?;
            match entry.kind.as_str() {
                "kv" => kv_seed.push((
                    store_name(manifest, StoreKind::Kv, &entry.id),
                    entry.key,
                    value,
                )),
                "config" => config_seed.push((
                    store_name(manifest, StoreKind::Config, &entry.id),
                    entry.key,
                    String::from_utf8(value).with_context(|| {
                        format!("{}: a config value is not UTF-8", file.display())
                    })?,
                )),
                other => bail!(
                    "{}: unknown store kind `{other}` (kv or config)",
                    file.display()
                ),
            }
        }
    }
    let run = FastlyServe {
        viceroy: viceroy()?,
        fastly_toml,
        listen,
        state,
        kv,
        config,
        secrets,
        variables,
        settings,
        kv_seed,
        config_seed,
    };
    Ok(ServePlan {
        platform: Platform::Fastly,
        build: Some(Build::Fastly {
            build: !args.no_build,
        }),
        seed: None,
        runtime: Runtime::InProcess(Box::new(run)),
    })
}

impl FastlyServe {
    /// The items a KV store starts with the first time: fastly.toml's own entries for it.
    fn initial_kv(&self, name: &str) -> Result<Items> {
        let local = self.fastly_toml.local(Section::Kv);
        let Some((_, value)) = local.iter().find(|(n, _)| n.as_str() == name) else {
            return Ok(Items::new());
        };
        let base = self.fastly_toml.dir();
        match value {
            Value::Array(entries) => {
                let mut items = Items::new();
                for entry in entries {
                    let key = entry.get("key").and_then(Value::as_str);
                    let data = entry
                        .get("data")
                        .and_then(Value::as_str)
                        .map(|d| d.as_bytes().to_vec());
                    let file = entry
                        .get("file")
                        .or(entry.get("path"))
                        .and_then(Value::as_str);
                    let value = match (data, file) {
                        (Some(d), None) => d,
                        (None, Some(f)) => std::fs::read(base.join(f)).with_context(|| format!("cannot read {}", base.join(f).display()))?,
                        _ => bail!("{}: an entry of [local_server.kv_stores.{name}] needs a key and one of data or file", self.fastly_toml.path.display()),
                    };
                    let Some(key) = key else {
                        bail!(
                            "{}: an entry of [local_server.kv_stores.{name}] has no key",
                            self.fastly_toml.path.display()
                        );
                    };
                    let metadata = entry
                        .get("metadata")
                        .and_then(Value::as_str)
                        .map(str::to_string);
                    items.insert(key.to_string(), Item { value, metadata });
                }
                Ok(items)
            }
            Value::Table(t) => {
                let file = t.get("file").and_then(Value::as_str).with_context(|| {
                    format!(
                        "{}: [local_server.kv_stores.{name}] needs file and format",
                        self.fastly_toml.path.display()
                    )
                })?;
                let path = base.join(file);
                let text = std::fs::read_to_string(&path)
                    .with_context(|| format!("cannot read {}", path.display()))?;
                let map: serde_json::Map<String, serde_json::Value> =
                    serde_json::from_str(&text)
                        .with_context(|| format!("{} is not a JSON object", path.display()))?;
                parse_kv(&map, &base)
            }
            _ => bail!(
                "{}: [local_server.kv_stores] `{name}` must be a list of entries or a file",
                self.fastly_toml.path.display()
            ),
        }
    }

    /// The entries a config store starts with the first time: fastly.toml's own.
    fn initial_config(&self, name: &str) -> Result<Vec<(String, String)>> {
        let local = self.fastly_toml.local(Section::Config);
        let Some((_, Value::Table(t))) = local.iter().find(|(n, _)| n.as_str() == name) else {
            return Ok(Vec::new());
        };
        let base = self.fastly_toml.dir();
        let object: Table = match (t.get("contents"), t.get("file")) {
            (Some(Value::Table(c)), _) => c.clone(),
            (_, Some(Value::String(f))) => {
                let path = base.join(f);
                let text = std::fs::read_to_string(&path)
                    .with_context(|| format!("cannot read {}", path.display()))?;
                let json: std::collections::BTreeMap<String, String> = serde_json::from_str(&text)
                    .with_context(|| {
                        format!("{} is not a JSON object of strings", path.display())
                    })?;
                json.into_iter()
                    .map(|(k, v)| (k, Value::String(v)))
                    .collect()
            }
            _ => Table::new(),
        };
        Ok(object
            .into_iter()
            .filter_map(|(k, v)| v.as_str().map(|v| (k, v.to_string())))
            .collect())
    }

    /// Prepares the state files; returns each KV store's items.
    fn prepare(&self) -> Result<Vec<(String, Items)>> {
        let mut stores = Vec::new();
        for name in &self.kv {
            let mut items = match self.state.load_kv(name)? {
                Some(items) => items,
                None => self.initial_kv(name)?,
            };
            for (store, key, value) in &self.kv_seed {
                if store == name {
                    items.insert(
                        key.clone(),
                        Item {
                            value: value.clone(),
                            metadata: None,
                        },
                    );
                }
            }
            self.state.save_kv(name, &items)?;
            stores.push((name.clone(), items));
        }
        for name in &self.config {
            if self.state.load_config(name)?.is_none() {
                self.state.push_config(name, &self.initial_config(name)?)?;
            }
            let seed: Vec<(String, String)> = self
                .config_seed
                .iter()
                .filter(|(s, _, _)| s == name)
                .map(|(_, k, v)| (k.clone(), v.clone()))
                .collect();
            if !seed.is_empty() {
                self.state.push_config(name, &seed)?;
            }
        }
        Ok(stores)
    }

    /// Viceroy's fastly.toml for this run.
    fn viceroy_toml(&self, state_addr: SocketAddr) -> Table {
        let mut local = self.fastly_toml.local_server();
        let mut section = |s: Section| -> Table {
            let mut merged = Table::new();
            for key in s.keys() {
                if let Some(Value::Table(t)) = local.remove(*key) {
                    merged.extend(t);
                }
            }
            merged
        };
        let mut kv = section(Section::Kv);
        let mut config = section(Section::Config);
        let mut secrets = section(Section::Secrets);
        let mut backends = section(Section::Backends);
        let file = |path: PathBuf| {
            let mut t = Table::new();
            t.insert("file".into(), Value::String(path.display().to_string()));
            t.insert("format".into(), Value::String("json".into()));
            Value::Table(t)
        };
        for name in &self.kv {
            kv.insert(name.clone(), file(self.state.kv_file(name)));
        }
        for name in &self.config {
            config.insert(name.clone(), file(self.state.config_file(name)));
        }
        let mut settings = match config.remove(SETTINGS_STORE) {
            Some(Value::Table(t)) => t
                .get("contents")
                .and_then(Value::as_table)
                .cloned()
                .unwrap_or_default(),
            _ => Table::new(),
        };
        for (k, v) in &self.settings {
            settings.insert(k.clone(), Value::String(v.clone()));
        }
        let mut store = Table::new();
        store.insert("format".into(), Value::String("inline-toml".into()));
        store.insert("contents".into(), Value::Table(settings));
        config.insert(SETTINGS_STORE.into(), Value::Table(store));
        for name in &self.secrets {
            let mut entries = match secrets.remove(name) {
                Some(Value::Array(a)) => a,
                _ => Vec::new(),
            };
            for (key, value) in &self.variables {
                entries.retain(|e| e.get("key").and_then(Value::as_str) != Some(key));
                let mut e = Table::new();
                e.insert("key".into(), Value::String(key.clone()));
                e.insert("data".into(), Value::String(value.clone()));
                entries.push(Value::Table(e));
            }
            secrets.insert(name.clone(), Value::Array(entries));
        }
        let mut backend = Table::new();
        backend.insert("url".into(), Value::String(format!("http://{state_addr}")));
        backends.insert(LOCAL_STATE_BACKEND.into(), Value::Table(backend));
        for (key, t) in [
            (Section::Kv, kv),
            (Section::Config, config),
            (Section::Secrets, secrets),
            (Section::Backends, backends),
        ] {
            if !t.is_empty() {
                local.insert(key.key().into(), Value::Table(t));
            }
        }
        let mut doc = Table::new();
        doc.insert("manifest_version".into(), Value::Integer(3));
        doc.insert(
            "name".into(),
            Value::String(self.fastly_toml.name().unwrap_or("app").to_string()),
        );
        doc.insert("language".into(), Value::String("rust".into()));
        doc.insert("local_server".into(), Value::Table(local));
        doc
    }
}

impl InProcess for FastlyServe {
    fn run(self: Box<Self>, manifest: &Manifest) -> Result<ExitCode> {
        let wasm = super::build::output(manifest)?;
        if !wasm.is_file() {
            bail!(
                "{} does not exist; build the app first (`edgezero build --adapter fastly`) or serve without --no-build",
                wasm.display()
            );
        }
        let stores = self.prepare()?;
        let server = StateServer::start(self.state.clone(), stores)?;
        let config = self.state.dir.join("fastly.toml");
        let text = toml::to_string(&self.viceroy_toml(server.addr()))
            .context("the local runtime's fastly.toml could not be written")?;
        std::fs::write(&config, text)
            .with_context(|| format!("cannot write {}", config.display()))?;
        // Viceroy ends with this process, even when it is killed outright: `setpriv
        // --pdeathsig` (util-linux) asks the kernel to signal it then.
        let mut cmd = if process::on_path("setpriv") {
            let mut c = Command::new("setpriv");
            c.args(["--pdeathsig", "TERM", "--"]).arg(&self.viceroy);
            c
        } else {
            Command::new(&self.viceroy)
        };
        cmd.arg("serve")
            .arg("-C")
            .arg(&config)
            .arg("--addr")
            .arg(self.listen.to_string())
            .arg(&wasm)
            .current_dir(self.fastly_toml.dir());
        eprintln!(
            "serving {} (fastly) on http://{}: {}",
            manifest.app.name,
            self.listen,
            process::describe(&cmd)
        );
        let status = process::run(&mut cmd)?;
        drop(server);
        if status.success() {
            Ok(ExitCode::SUCCESS)
        } else {
            eprintln!("error: `{}` exited with {status}", process::describe(&cmd));
            Ok(ExitCode::from(1))
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_default_address_is_viceroys() {
        let addr: std::net::SocketAddr = super::DEFAULT_LISTEN.parse().unwrap();
        assert_eq!(addr.port(), 7676);
    }
}
