//! The counter example as a Spin component.

edgezero_adapter_spin::component!(counter_core::App);
