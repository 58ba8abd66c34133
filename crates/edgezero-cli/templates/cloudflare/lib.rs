//! {{name}} as a Cloudflare Worker: `edgezero serve --adapter cloudflare` runs it locally
//! under workerd, `edgezero deploy --adapter cloudflare` ships it with wrangler.

edgezero_adapter_cloudflare::worker!({{crate}}::App);
