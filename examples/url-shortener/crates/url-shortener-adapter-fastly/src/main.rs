//! The url-shortener example as a Fastly Compute app.

edgezero_adapter_fastly::main!(url_shortener_core::App);
