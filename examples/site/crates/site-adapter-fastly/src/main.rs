//! The site example as a Fastly Compute app.

edgezero_adapter_fastly::main!(site_core::App);
