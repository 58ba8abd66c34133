//! The kv-explorer example as a Cloudflare Worker.

edgezero_adapter_cloudflare::worker!(kv_explorer_core::App);
