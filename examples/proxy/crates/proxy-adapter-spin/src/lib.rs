//! The proxy example as a Spin component.

edgezero_adapter_spin::component!(proxy_core::App);
