//! The Spin component: exports the `wasi:http` handler that runs the app.

edgezero_adapter_spin::component!({{crate}}::App);
