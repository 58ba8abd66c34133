//! The kv-api example as a Fastly Compute app.

edgezero_adapter_fastly::main!(kv_api_core::App);
