//! Loading an app (manifest, runtime config, variables, stores, components) and serving it.

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{anyhow, bail, Context as _};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::bindings::ComponentCtx;
use crate::config::HostConfig;
use crate::engine::{self, ComponentHandler};
use crate::kv;
use crate::outbound::AppSlot;
use crate::server::{self, App};
use edgezero_spin_manifest::routes::Router;
use edgezero_spin_manifest::variables::{
    env_name, resolve_app_variables, ComponentVariables, Template,
};
use edgezero_spin_manifest::Manifest;
use edgezero_spin_manifest::RuntimeConfig;

/// A loaded app: every component compiled and pre-instantiated, every store open. Serve
/// it with [`Host::bind`].
pub struct Host {
    app: Arc<App>,
    summary: Vec<String>,
    compile_times: Vec<(String, Duration)>,
}

impl Host {
    /// Loads and checks everything `spin up` would check before serving: spin.toml, the
    /// runtime config, variables (environment `SPIN_VARIABLE_*` first), key-value labels,
    /// and the components (compiled once; wasmtime's cache makes later starts fast).
    ///
    /// Errors name the file, line and key, or the component and label, and say how to fix
    /// them.
    pub async fn load(config: &HostConfig) -> anyhow::Result<Host> {
        let manifest = if config.spin_toml.is_dir() {
            Manifest::load(&config.spin_toml.join("spin.toml"))?
        } else {
            Manifest::load(&config.spin_toml)?
        };
        manifest.check_embedded_host_support()?;
        let runtime_config = match &config.runtime_config {
            Some(path) => RuntimeConfig::load(path)?,
            None => RuntimeConfig::default(),
        };
        runtime_config.check_embedded_host_support()?;
        let sources = edgezero_spin_manifest::up_options::VariableSources {
            cli: config.up.variables.clone(),
            dotenv: config.up.dotenv.clone(),
        };
        let env = sources.lookup(|name: &str| std::env::var(name).ok())?;
        let values = resolve_app_variables(&manifest.variables, &env).map_err(|missing| {
            let lines: Vec<String> = missing
                .0
                .iter()
                .map(|n| {
                    format!(
                        "  {n}: pass --variable {n}=<value>, or set {}=<value>",
                        env_name(n)
                    )
                })
                .collect();
            anyhow!(
                "{}: required variable(s) without a value:\n{}",
                manifest.path.display(),
                lines.join("\n")
            )
        })?;

        let (router, warnings) = Router::build(manifest.routes.iter().cloned());
        for w in warnings {
            log::warn!("{w}");
        }
        if manifest.routes.is_empty() {
            bail!(
                "{}: no [[trigger.http]] with a route; add e.g.\n\n[[trigger.http]]\nroute = \"/...\"\ncomponent = \"<component id>\"\n",
                manifest.path.display()
            );
        }
        // Components with a public route, and those reachable only by service chaining.
        let mut used: Vec<&str> = manifest
            .routes
            .iter()
            .map(|(_, c)| c.as_str())
            .chain(manifest.private_components.iter().map(String::as_str))
            .collect();
        used.sort_unstable();
        used.dedup();
        let app_slot = Arc::new(AppSlot::default());
        let default_file = match &config.up.state_dir {
            Some(dir) => dir.join("sqlite_key_value.db"),
            None => edgezero_spin_manifest::default_kv_file(&manifest.dir),
        };
        let backends = kv::open_backends(
            &manifest,
            &runtime_config,
            &default_file,
            used.iter().copied(),
        )?;
        if !config.up.key_values.is_empty() {
            let default = match backends.get("default") {
                Some(b) => b.clone(),
                None => kv::open_default(&runtime_config, &default_file)?,
            };
            for (k, v) in &config.up.key_values {
                default
                    .set("default", k, v.clone().into_bytes())
                    .await
                    .map_err(|e| anyhow!("--key-value {k}: cannot write the default store: {e}"))?;
            }
        }

        let engine = tokio::task::spawn_blocking(engine::engine)
            .await
            .context("engine setup panicked")??;
        let mut handlers = HashMap::new();
        let mut body_limits = HashMap::new();
        let mut summary = Vec::new();
        let mut compile_times = Vec::new();
        for id in used {
            let spec = &manifest.components[id];
            let (engine_c, id_c, source) = (engine.clone(), id.to_string(), spec.source.clone());
            let (pre, took) =
                tokio::task::spawn_blocking(move || engine::prepare(&engine_c, &id_c, &source))
                    .await
                    .context("component compilation panicked")??;
            compile_times.push((id.to_string(), took));
            let stores: BTreeMap<String, kv::Backend> = spec
                .key_value_stores
                .iter()
                .map(|(label, _)| (label.clone(), backends[label].clone()))
                .collect();
            for (label, backend) in &stores {
                summary.push(format!(
                    "  {id}: key-value \"{label}\" -> {}",
                    backend.describe()
                ));
            }
            // `{{ variable }}` templates resolve at load, as under `spin up`.
            let mut entries = Vec::new();
            for raw in &spec.allowed_outbound_hosts {
                let template = Template::parse(raw).map_err(|e| {
                    anyhow!(
                        "component \"{id}\" in {}: allowed_outbound_hosts entry {raw:?}: {e}",
                        manifest.path.display()
                    )
                })?;
                entries.push(template.expand(&values));
            }
            let allowed_outbound =
                edgezero_spin_manifest::outbound::parse_all(&entries).map_err(|e| {
                    anyhow!(
                        "component \"{id}\" in {}: invalid allowed_outbound_hosts entry: {e}",
                        manifest.path.display()
                    )
                })?;
            let ctx = ComponentCtx {
                id: id.to_string(),
                stores,
                variables: ComponentVariables::new(id, &spec.variables, &values),
            };
            // spin.toml's environment, with `--env` over it (as `spin up -e` does).
            let environment: Vec<(String, String)> = spec
                .environment
                .iter()
                .filter(|(k, _)| !config.up.env.iter().any(|(e, _)| e == k))
                .chain(config.up.env.iter())
                .cloned()
                .collect();
            let lookup = |k: &str| {
                environment
                    .iter()
                    .find(|(n, _)| n == k)
                    .map(|(_, v)| v.clone())
            };
            let limit = edgezero_env::resolve_max_body_bytes(&lookup).map_err(|e| {
                anyhow!(
                    "component \"{id}\" in {}: {e} (set in its `environment`)",
                    manifest.path.display()
                )
            })?;
            body_limits.insert(id.to_string(), limit);
            handlers.insert(
                id.to_string(),
                ComponentHandler::new(
                    &engine,
                    pre,
                    ctx,
                    environment,
                    engine::Limits {
                        request_timeout: config.request_timeout,
                        max_reuse: config.max_instance_reuse,
                    },
                    allowed_outbound,
                    Arc::clone(&app_slot),
                ),
            );
        }
        for id in manifest.private_components.iter().rev() {
            summary.insert(
                0,
                format!("  {id}: private (http://{id}.spin.internal only)"),
            );
        }
        for (route, component) in router.routes() {
            summary.insert(0, format!("  {component}: {}", route.raw()));
        }
        let app = Arc::new(App {
            router,
            handlers,
            body_limits,
            header_read_timeout: config.header_read_timeout,
            self_origin: Default::default(),
            internal_in_flight: Default::default(),
        });
        app_slot.set(&app);
        Ok(Host {
            app,
            summary,
            compile_times,
        })
    }

    /// How long each component took to compile (near zero when it came from the cache).
    pub fn compile_times(&self) -> &[(String, Duration)] {
        &self.compile_times
    }

    /// Routes and stores, one line each, for the startup message.
    pub fn summary(&self) -> &[String] {
        &self.summary
    }

    /// Serves one request in the process, without a socket: routed, given the `spin-*`
    /// headers and run on a (reused) instance exactly as a request over HTTP. For
    /// benchmarks and tests; the response body streams from the instance.
    pub async fn handle(
        &self,
        request: http::Request<bytes::Bytes>,
    ) -> http::Response<server::ResponseBody> {
        use http_body_util::BodyExt;
        let request = request.map(|body| {
            http_body_util::Full::new(body)
                .map_err(|never| match never {})
                .boxed_unsync()
        });
        let client = SocketAddr::from(([127, 0, 0, 1], 0));
        server::handle(Arc::clone(&self.app), request, client).await
    }

    /// Waits until no instance of any component is alive (an idle one is dropped after its
    /// idle timeout, as Spin does) and no connection's task still holds the app, or `limit`
    /// has passed; whether nothing is left. Call it after the server has stopped and before
    /// the runtime shuts down: an instance still waiting for a request when the runtime's
    /// timers stop would fail in its worker. Dropping the host afterwards closes the stores
    /// (a SQLite file goes back to the rollback journal then).
    pub async fn wait_for_instances(&self, limit: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            let live: usize = self
                .app
                .handlers
                .values()
                .map(|h| h.state().live_instances())
                .sum();
            if live == 0 && Arc::strong_count(&self.app) == 1 {
                return true;
            }
            if tokio::time::Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// The longest an idle instance lives: the wait [`Host::wait_for_instances`] needs.
    pub fn idle_instance_timeout(&self) -> Duration {
        self.app
            .handlers
            .values()
            .map(|h| h.state().idle_timeout())
            .max()
            .unwrap_or_default()
    }

    /// Binds `addr` (port 0 picks a free port) and starts serving in the background.
    pub async fn bind(&self, addr: SocketAddr) -> anyhow::Result<Server> {
        let listener = TcpListener::bind(addr).await.map_err(|e| {
            if e.kind() == std::io::ErrorKind::AddrInUse {
                anyhow!("{addr} is already in use; pick another address with --listen (e.g. 127.0.0.1:3001)")
            } else {
                anyhow!("cannot listen on {addr}: {e}")
            }
        })?;
        let local_addr = listener.local_addr()?;
        let _ = self.app.self_origin.set(local_addr);
        let (tx, rx) = watch::channel(false);
        let task = tokio::spawn(server::serve(Arc::clone(&self.app), listener, rx));
        Ok(Server {
            local_addr,
            shutdown: ShutdownHandle(Arc::new(tx)),
            task,
        })
    }
}

/// A running server.
pub struct Server {
    local_addr: SocketAddr,
    shutdown: ShutdownHandle,
    task: JoinHandle<()>,
}

impl Server {
    /// The address it listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// A handle that stops the server from anywhere.
    pub fn shutdown_handle(&self) -> ShutdownHandle {
        self.shutdown.clone()
    }

    /// Waits until the server has stopped (after [`ShutdownHandle::shutdown`]).
    pub async fn wait(self) {
        let _ = self.task.await;
    }

    /// Stops accepting connections, lets requests in flight finish, and returns when done.
    pub async fn shutdown(self) {
        self.shutdown.shutdown();
        self.wait().await;
    }
}

/// Stops a [`Server`]: no new connections, requests in flight finish (up to 10 s).
#[derive(Clone)]
pub struct ShutdownHandle(Arc<watch::Sender<bool>>);

impl ShutdownHandle {
    /// Requests the shutdown (idempotent).
    pub fn shutdown(&self) {
        self.0.send_replace(true);
    }
}
