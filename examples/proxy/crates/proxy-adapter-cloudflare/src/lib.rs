//! The proxy example as a Cloudflare Worker.

edgezero_adapter_cloudflare::worker!(proxy_core::App);
