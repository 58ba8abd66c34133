//! The proxy example as a Fastly Compute app.

edgezero_adapter_fastly::main!(proxy_core::App);
