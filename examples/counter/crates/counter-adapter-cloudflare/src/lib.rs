//! The counter example as a Cloudflare Worker.

edgezero_adapter_cloudflare::worker!(counter_core::App);
