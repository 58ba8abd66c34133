//! The kv-explorer example as a Fastly Compute app.

edgezero_adapter_fastly::main!(kv_explorer_core::App);
