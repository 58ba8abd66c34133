//! The counter example as a Fastly Compute app.

edgezero_adapter_fastly::main!(counter_core::App);
