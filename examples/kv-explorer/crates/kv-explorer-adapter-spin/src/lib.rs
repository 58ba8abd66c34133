//! The kv-explorer example as a Spin component.

edgezero_adapter_spin::component!(kv_explorer_core::App);
