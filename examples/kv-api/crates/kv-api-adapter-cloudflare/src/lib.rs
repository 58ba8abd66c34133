//! The kv-api example as a Cloudflare Worker.

edgezero_adapter_cloudflare::worker!(kv_api_core::App);
