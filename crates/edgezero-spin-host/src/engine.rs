//! The wasmtime side: one engine, one pre-instantiated `wasi:http` service per component,
//! and the per-instance state (WASI, `wasi:http`, the Spin interfaces).

use std::hash::{Hash, Hasher};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{anyhow, Context as _};
use wasmtime::component::{Component, Linker, ResourceTable};
use wasmtime::{
    Cache, CacheConfig, Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig, Store,
};
use wasmtime_wasi::{WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};
use wasmtime_wasi_http::handler::{HandlerState, ProxyHandler, ProxyPre, StoreBundle};
use wasmtime_wasi_http::p3::bindings::ServicePre;
use wasmtime_wasi_http::p3::{WasiHttpCtxView, WasiHttpView};
use wasmtime_wasi_http::WasiHttpCtx;

use crate::bindings::{self, ComponentCtx, SpinView};
use crate::outbound::{AppSlot, OutboundHttp};
use crate::wasi_kv;
use edgezero_spin_manifest::outbound::AllowedHost;

/// Requests one instance serves before it is replaced (Spin 4 / `wasmtime serve` for WASIp3).
pub const MAX_INSTANCE_REUSE: usize = 128;
/// Requests one instance serves at the same time.
pub const MAX_INSTANCE_CONCURRENCY: usize = 16;
/// How long an idle instance is kept for the next request.
const IDLE_INSTANCE_TIMEOUT: Duration = Duration::from_secs(1);
/// How often running guests are interrupted to yield (as Spin does): a guest that computes
/// for a long time, or loops forever, gives its thread back to other requests at least
/// this often instead of pinning it.
pub const EPOCH_TICK: Duration = Duration::from_millis(10);

/// The state of one component instance.
pub struct InstanceState {
    table: ResourceTable,
    wasi: WasiCtx,
    http: WasiHttpCtx,
    hooks: OutboundHttp,
    ctx: Arc<ComponentCtx>,
}

impl WasiView for InstanceState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl WasiHttpView for InstanceState {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView {
            ctx: &mut self.http,
            table: &mut self.table,
            hooks: &mut self.hooks,
        }
    }
}

fn spin_view(state: &mut InstanceState) -> SpinView<'_> {
    SpinView {
        table: &mut state.table,
        ctx: &state.ctx,
    }
}

/// The engine every component is compiled with: component-model async (WASIp3) and
/// wasmtime's on-disk compilation cache, so a restart does not recompile unchanged
/// components. One per process, so that hosts started in the same process (tests, a
/// restart) share compiled components too.
pub fn engine() -> anyhow::Result<Engine> {
    static ENGINE: Mutex<Option<Engine>> = Mutex::new(None);
    let mut shared = ENGINE.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(engine) = shared.as_ref() {
        return Ok(engine.clone());
    }
    let engine = new_engine()?;
    start_epoch_ticker(&engine);
    *shared = Some(engine.clone());
    Ok(engine)
}

/// Advances the engine's epoch every [`EPOCH_TICK`] on a background thread, for as long as
/// the engine lives.
fn start_epoch_ticker(engine: &Engine) {
    let weak = engine.weak();
    let spawned = std::thread::Builder::new()
        .name("wasm-epoch".into())
        .spawn(move || loop {
            std::thread::sleep(EPOCH_TICK);
            match weak.upgrade() {
                Some(engine) => engine.increment_epoch(),
                None => return,
            }
        });
    if let Err(e) = spawned {
        log::warn!(
            "cannot start the epoch thread ({e}); a guest that never yields will keep its thread"
        );
    }
}

fn new_engine() -> anyhow::Result<Engine> {
    let mut config = Config::new();
    config.wasm_component_model_async(true);
    config.epoch_interruption(true);
    if let Some(pooling) = pooling(&|name| std::env::var(name).ok())? {
        config.allocation_strategy(InstanceAllocationStrategy::Pooling(pooling));
    }
    if std::env::var_os("EDGEZERO_WASM_PERFMAP").is_some() {
        // For `perf record`: guest functions by name in /tmp/perf-<pid>.map.
        config.profiler(wasmtime::ProfilingStrategy::PerfMap);
    }
    match Cache::new(CacheConfig::new()) {
        Ok(cache) => {
            config.cache(Some(cache));
        }
        Err(e) => log::warn!("compilation cache disabled: {e}"),
    }
    Engine::new(&config).map_err(|e| anyhow!("cannot create the wasmtime engine: {e}"))
}

/// Instances, memories, stacks and tables come from pools reserved once, as `spin up` does,
/// instead of an `mmap`/`munmap` per instance; pages a guest touched stay resident (up to
/// 2 MiB of memory, 512 KiB of tables) and are reset in place for the next instance. Used
/// when the machine has the address space for it (probed as Spin probes it: a 42-bit
/// reservation); `SPIN_WASMTIME_POOLING=0|1` decides instead, `SPIN_MAX_INSTANCE_COUNT`
/// (default 1000) sizes the pools, both as under Spin.
fn pooling(
    env: &dyn Fn(&str) -> Option<String>,
) -> anyhow::Result<Option<PoolingAllocationConfig>> {
    const MIB: usize = 1 << 20;
    let var = |name: &str| env(name).filter(|v| !v.is_empty());
    let wanted = match var("SPIN_WASMTIME_POOLING").as_deref() {
        None => pooling_fits(),
        Some("1") => true,
        Some("0") => false,
        Some(other) => {
            return Err(anyhow!(
                "SPIN_WASMTIME_POOLING={other} is not supported: set it to 1 (pooling \
                 allocator) or 0 (an allocation per instance), or unset it"
            ))
        }
    };
    if !wanted {
        return Ok(None);
    }
    let instances: u32 = match var("SPIN_MAX_INSTANCE_COUNT") {
        None => 1000,
        Some(v) => v.parse().ok().filter(|n| *n > 0).ok_or_else(|| {
            anyhow!("SPIN_MAX_INSTANCE_COUNT={v} is not a positive number of instances")
        })?,
    };
    let mut pool = PoolingAllocationConfig::default();
    pool.total_component_instances(instances)
        .total_memories(instances)
        .total_tables(instances.saturating_mul(2))
        .total_stacks(instances)
        .total_core_instances(instances.saturating_mul(4))
        .table_elements(100_000)
        .max_component_instance_size(10 * MIB)
        .max_core_instance_size(10 * MIB)
        .max_core_instances_per_component(200)
        .max_tables_per_component(64)
        .max_memories_per_component(32)
        .max_tables_per_module(2)
        .max_memories_per_module(2)
        .max_memory_size(4 << 30)
        .linear_memory_keep_resident(2 * MIB)
        .table_keep_resident(MIB / 2);
    Ok(Some(pool))
}

/// Whether this machine can reserve the pools' address space: a 64-bit memory with a
/// 2^42-byte reservation must be creatable (some 39-bit address spaces cannot).
fn pooling_fits() -> bool {
    const BITS: u32 = 42;
    let mut config = Config::new();
    config.wasm_memory64(true);
    config.memory_reservation(1 << BITS);
    let Ok(engine) = Engine::new(&config) else {
        return false;
    };
    let mut store = Store::new(&engine, ());
    let ty = wasmtime::MemoryType::new64(0, Some(1 << (BITS - 16)));
    wasmtime::Memory::new(&mut store, ty).is_ok()
}

fn linker(engine: &Engine) -> anyhow::Result<Linker<InstanceState>> {
    let mut linker = Linker::new(engine);
    let err = |what: &str, e: wasmtime::Error| anyhow!("cannot add {what} to the linker: {e}");
    wasmtime_wasi::p2::add_to_linker_async(&mut linker).map_err(|e| err("WASI 0.2", e))?;
    wasmtime_wasi::p3::add_to_linker(&mut linker).map_err(|e| err("WASI 0.3", e))?;
    wasmtime_wasi_http::p3::add_to_linker(&mut linker).map_err(|e| err("wasi:http 0.3", e))?;
    bindings::add_to_linker(&mut linker, spin_view).map_err(|e| err("the Spin interfaces", e))?;
    wasi_kv::add_to_linker(&mut linker, spin_view).map_err(|e| err("the Spin interfaces", e))?;
    Ok(linker)
}

/// Compiles and pre-instantiates the component at `source`; returns it with the compile time.
pub fn prepare(
    engine: &Engine,
    id: &str,
    source: &Path,
) -> anyhow::Result<(ServicePre<InstanceState>, Duration)> {
    let bytes = std::fs::read(source).with_context(|| {
        format!(
            "cannot read the source of component \"{id}\" at {} (build the component first, e.g. with `spin build` or its [component.{id}.build] command)",
            source.display()
        )
    })?;
    let started = Instant::now();
    let component = compile(engine, &bytes).with_context(|| {
        format!(
            "{} is not a valid WebAssembly component (component \"{id}\")",
            source.display()
        )
    })?;
    let compiled_in = started.elapsed();
    let pre = linker(engine)?
        .instantiate_pre(&component)
        .map_err(|e| anyhow!("{e:?}"))
        .with_context(|| {
            format!("component \"{id}\" imports something the embedded host does not provide")
        })?;
    let pre = ServicePre::new(pre).map_err(|e| anyhow!("{e:?}")).with_context(|| {
        format!(
            "component \"{id}\" does not export wasi:http/handler@0.3.0-rc-2026-03-15 (what spin-sdk 6 builds); components of older SDKs need `spin up`"
        )
    })?;
    Ok((pre, compiled_in))
}

/// Compiles `bytes`, or returns the component compiled from the same bytes earlier in this
/// process. Loads of the same component wait for one compilation instead of repeating it.
fn compile(engine: &Engine, bytes: &[u8]) -> anyhow::Result<Component> {
    static COMPILED: Mutex<Vec<(u64, usize, Component)>> = Mutex::new(Vec::new());
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    bytes.hash(&mut hasher);
    let key = (hasher.finish(), bytes.len());
    let mut compiled = COMPILED.lock().unwrap_or_else(|p| p.into_inner());
    if let Some((_, _, c)) = compiled.iter().find(|(h, n, _)| (*h, *n) == key) {
        return Ok(c.clone());
    }
    let component = Component::new(engine, bytes).map_err(|e| anyhow!("{e:?}"))?;
    compiled.push((key.0, key.1, component.clone()));
    Ok(component)
}

/// Creates instances of one component on demand and reuses them as Spin 4 does.
pub struct ComponentHandler {
    engine: Engine,
    ctx: Arc<ComponentCtx>,
    environment: Vec<(String, String)>,
    request_timeout: Duration,
    allowed_outbound: Arc<Vec<AllowedHost>>,
    app: Arc<AppSlot>,
    max_reuse: usize,
}

/// How a component's instances are run.
pub struct Limits {
    /// The longest a request may run (`None`: no limit).
    pub request_timeout: Option<Duration>,
    /// Requests per instance before it is replaced.
    pub max_reuse: usize,
}

impl ComponentHandler {
    /// The request dispatcher for a prepared component.
    pub fn new(
        engine: &Engine,
        pre: ServicePre<InstanceState>,
        ctx: ComponentCtx,
        environment: Vec<(String, String)>,
        limits: Limits,
        allowed_outbound: Vec<AllowedHost>,
        app: Arc<AppSlot>,
    ) -> ProxyHandler<ComponentHandler> {
        ProxyHandler::new(
            ComponentHandler {
                engine: engine.clone(),
                ctx: Arc::new(ctx),
                environment,
                request_timeout: limits.request_timeout.unwrap_or(Duration::MAX),
                allowed_outbound: Arc::new(allowed_outbound),
                app,
                max_reuse: limits.max_reuse.max(1),
            },
            ProxyPre::P3(pre),
        )
    }

    /// Instances of this component alive now (each holds the component's context).
    pub fn live_instances(&self) -> usize {
        Arc::strong_count(&self.ctx) - 1
    }

    /// How long an idle instance waits for its next request before it is dropped.
    pub fn idle_timeout(&self) -> Duration {
        IDLE_INSTANCE_TIMEOUT
    }
}

impl HandlerState for ComponentHandler {
    type StoreData = InstanceState;

    fn new_store(&self, _req_id: Option<u64>) -> wasmtime::Result<StoreBundle<InstanceState>> {
        let wasi = WasiCtxBuilder::new()
            .inherit_stdout()
            .inherit_stderr()
            .envs(&self.environment)
            .build();
        let state = InstanceState {
            table: ResourceTable::new(),
            wasi,
            http: WasiHttpCtx::new(),
            hooks: OutboundHttp::new(
                self.ctx.id.clone(),
                Arc::clone(&self.allowed_outbound),
                Arc::clone(&self.app),
            ),
            ctx: Arc::clone(&self.ctx),
        };
        let mut store = Store::new(&self.engine, state);
        // Yield to the executor at every epoch tick instead of running to completion.
        store.set_epoch_deadline(1);
        store.epoch_deadline_async_yield_and_update(1);
        Ok(StoreBundle {
            store,
            write_profile: Box::new(|_| {}),
        })
    }

    fn request_timeout(&self) -> Duration {
        self.request_timeout
    }

    fn idle_instance_timeout(&self) -> Duration {
        IDLE_INSTANCE_TIMEOUT
    }

    fn max_instance_reuse_count(&self) -> usize {
        self.max_reuse
    }

    fn max_instance_concurrent_reuse_count(&self) -> usize {
        MAX_INSTANCE_CONCURRENCY
    }

    fn handle_worker_error(&self, error: wasmtime::Error) {
        log::error!(
            "component \"{}\": instance discarded after an error: {error:?}",
            self.ctx.id
        );
    }
}

#[cfg(test)]
mod tests {
    use super::pooling;
    use edgezero_testkit::env_lookup as env;

    #[test]
    fn spin_wasmtime_pooling_decides_when_set() {
        assert!(pooling(&env(&[("SPIN_WASMTIME_POOLING", "1")]))
            .unwrap()
            .is_some());
        assert!(pooling(&env(&[("SPIN_WASMTIME_POOLING", "0")]))
            .unwrap()
            .is_none());
    }

    #[test]
    fn bad_pooling_settings_are_errors_that_say_what_to_set() {
        let err = pooling(&env(&[("SPIN_WASMTIME_POOLING", "yes")]))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("SPIN_WASMTIME_POOLING=yes") && err.contains("set it to 1"),
            "{err}"
        );
        let err = pooling(&env(&[
            ("SPIN_WASMTIME_POOLING", "1"),
            ("SPIN_MAX_INSTANCE_COUNT", "0"),
        ]))
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("SPIN_MAX_INSTANCE_COUNT=0") && err.contains("positive number"),
            "{err}"
        );
    }
}
