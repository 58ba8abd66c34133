//! `spin:key-value/key-value@3.0.0` and `spin:variables/variables@3.0.0` for components,
//! with Spin's semantics: a component opens only the labels it lists (`access-denied`
//! otherwise), and reads only its own variables (`invalid-name` / `undefined`).

use std::collections::BTreeMap;
use std::future::ready;

use wasmtime::component::{
    Accessor, FutureReader, HasData, Linker, Resource, ResourceTable, StreamReader,
};

use crate::kv::{Backend, KvError as HostKvError, StoreHandle};
use edgezero_spin_manifest::variables::{ComponentVariables, VariableError};

pub(crate) mod generated {
    #![allow(missing_docs)]
    wasmtime::component::bindgen!({
        path: "wit",
        world: "edgezero:spin-host/host",
        imports: {
            default: trappable,
        },
        with: {
            "spin:key-value/key-value.store": crate::kv::StoreHandle,
            "wasi:keyvalue/store.bucket": crate::kv::BucketHandle,
            "wasi:keyvalue/atomics.cas": crate::kv::CasHandle,
        },
    });
}

use generated::spin::key_value::key_value::{self, Error as KvError};
use generated::spin::variables::variables::{self, Error as VarError};

/// What a component may use, shared by all its instances.
pub struct ComponentCtx {
    /// The component id.
    pub id: String,
    /// Labels listed in `key_value_stores`, with their backends.
    pub stores: BTreeMap<String, Backend>,
    /// Resolved `[component.<id>.variables]`.
    pub variables: ComponentVariables,
}

/// Marker type through which the Spin interfaces are added to a linker.
pub struct SpinApi;

impl HasData for SpinApi {
    type Data<'a> = SpinView<'a>;
}

/// The part of an instance's state the Spin interfaces use.
pub struct SpinView<'a> {
    /// The instance's resource table.
    pub table: &'a mut ResourceTable,
    /// The component's grants.
    pub ctx: &'a ComponentCtx,
}

/// Adds `spin:key-value` and `spin:variables` to `linker` (`wasi:keyvalue` is added by
/// [`crate::wasi_kv`]).
pub fn add_to_linker<T: Send + 'static>(
    linker: &mut Linker<T>,
    view: fn(&mut T) -> SpinView<'_>,
) -> wasmtime::Result<()> {
    key_value::add_to_linker::<T, SpinApi>(linker, view)?;
    variables::add_to_linker::<T, SpinApi>(linker, view)
}

impl key_value::Host for SpinView<'_> {}

impl key_value::HostStore for SpinView<'_> {
    fn drop(&mut self, rep: Resource<StoreHandle>) -> wasmtime::Result<()> {
        self.table.delete(rep)?;
        Ok(())
    }
}

impl variables::Host for SpinView<'_> {}

type KvResult<T> = wasmtime::Result<Result<T, KvError>>;

/// The backend and label behind a store handle.
fn store<T>(
    accessor: &Accessor<T, SpinApi>,
    handle: &Resource<StoreHandle>,
) -> wasmtime::Result<(Backend, String)> {
    accessor.with(|mut access| {
        let h = access.get().table.get(handle)?;
        Ok((h.backend.clone(), h.label.clone()))
    })
}

fn trace(op: &str, label: &str, key: &str) {
    log::trace!(target: "spin_kv", "{op} {label:?} {key:?}");
}

/// The one place a host key-value error becomes Spin's `error`: the backend's text goes to
/// the guest in `other`, as `spin up` answers.
fn spin_error(e: HostKvError) -> KvError {
    match e {
        HostKvError::AccessDenied => KvError::AccessDenied,
        HostKvError::Unavailable(text) | HostKvError::Other(text) => KvError::Other(text),
    }
}

fn spin_result<T>(r: Result<T, HostKvError>) -> Result<T, KvError> {
    r.map_err(spin_error)
}

impl key_value::HostStoreWithStore for SpinApi {
    async fn open<T: Send>(
        accessor: &Accessor<T, Self>,
        label: String,
    ) -> KvResult<Resource<StoreHandle>> {
        let backend = accessor.with(|mut access| {
            let view = access.get();
            trace("open", &label, "");
            let backend = view.ctx.stores.get(&label).cloned();
            if backend.is_none() {
                log::warn!(
                    "component \"{}\" opened key-value label \"{label}\", which its key_value_stores does not list: access denied",
                    view.ctx.id
                );
            }
            backend
        });
        let Some(backend) = backend else {
            return Ok(Err(spin_error(HostKvError::AccessDenied)));
        };
        if let Err(e) = backend.open().await {
            return Ok(Err(spin_error(e)));
        }
        accessor.with(
            |mut access| match access.get().table.push(StoreHandle { label, backend }) {
                Ok(handle) => Ok(Ok(handle)),
                Err(_) => Ok(Err(KvError::StoreTableFull)),
            },
        )
    }

    async fn get<T: Send>(
        accessor: &Accessor<T, Self>,
        self_: Resource<StoreHandle>,
        key: String,
    ) -> KvResult<Option<Vec<u8>>> {
        let (backend, label) = store(accessor, &self_)?;
        trace("get", &label, &key);
        Ok(spin_result(backend.get(&label, &key).await))
    }

    async fn set<T: Send>(
        accessor: &Accessor<T, Self>,
        self_: Resource<StoreHandle>,
        key: String,
        value: Vec<u8>,
    ) -> KvResult<()> {
        let (backend, label) = store(accessor, &self_)?;
        trace("set", &label, &key);
        Ok(spin_result(backend.set(&label, &key, value).await))
    }

    async fn delete<T: Send>(
        accessor: &Accessor<T, Self>,
        self_: Resource<StoreHandle>,
        key: String,
    ) -> KvResult<()> {
        let (backend, label) = store(accessor, &self_)?;
        trace("delete", &label, &key);
        Ok(spin_result(backend.delete(&label, &key).await))
    }

    async fn exists<T: Send>(
        accessor: &Accessor<T, Self>,
        self_: Resource<StoreHandle>,
        key: String,
    ) -> KvResult<bool> {
        let (backend, label) = store(accessor, &self_)?;
        trace("exists", &label, &key);
        Ok(spin_result(backend.exists(&label, &key).await))
    }

    async fn get_keys<T: Send>(
        accessor: &Accessor<T, Self>,
        self_: Resource<StoreHandle>,
    ) -> wasmtime::Result<(StreamReader<String>, FutureReader<Result<(), KvError>>)> {
        let (backend, label) = store(accessor, &self_)?;
        trace("get-keys", &label, "");
        let (keys, result) = match backend.keys(&label).await {
            Ok(keys) => (keys, Ok(())),
            Err(e) => (Vec::new(), Err(spin_error(e))),
        };
        accessor.with(|mut access| {
            let stream = StreamReader::new(&mut access, keys)?;
            let done = FutureReader::new(
                &mut access,
                ready(wasmtime::Result::<Result<(), KvError>>::Ok(result)),
            )?;
            Ok((stream, done))
        })
    }
}

impl variables::HostWithStore for SpinApi {
    async fn get<T: Send>(
        accessor: &Accessor<T, Self>,
        name: String,
    ) -> wasmtime::Result<Result<String, VarError>> {
        Ok(accessor.with(|mut access| {
            access.get().ctx.variables.get(&name).map_err(|e| match e {
                VariableError::InvalidName(m) => VarError::InvalidName(m),
                VariableError::Undefined(m) => VarError::Undefined(m),
            })
        }))
    }
}
