//! The url-shortener example as a Cloudflare Worker.

edgezero_adapter_cloudflare::worker!(url_shortener_core::App);
