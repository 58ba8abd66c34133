//! The site example as a Cloudflare Worker.

edgezero_adapter_cloudflare::worker!(site_core::App);
