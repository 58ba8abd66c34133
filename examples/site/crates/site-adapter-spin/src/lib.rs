//! The site example as a Spin component.

edgezero_adapter_spin::component!(site_core::App);
