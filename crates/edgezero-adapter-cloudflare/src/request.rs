//! The request as the app sees it: Cloudflare's `CF-Connecting-IP` as the client's address,
//! and the client's own `Accept-Encoding`.

use std::net::IpAddr;

use http::{HeaderMap, HeaderValue};

/// The client's address: the `CF-Connecting-IP` header Cloudflare (and the local runtime)
/// sets on every request. `None` when it is missing or not an address.
pub fn client_addr(headers: &HeaderMap) -> Option<IpAddr> {
    headers
        .get("cf-connecting-ip")?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
}

/// The request's declared `Content-Length`, if any: one over the body limit is refused with
/// 413 before the app runs.
pub fn declared_length(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(http::header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
}

/// Puts the client's own `Accept-Encoding` back, so that the app negotiates with the client
/// as on every other platform (the answer is then sent as it is encoded). Cloudflare (and
/// the local runtime) hands every Worker `Accept-Encoding: br, gzip` and keeps the client's
/// value in `request.cf.clientAcceptEncoding`: `client` is that (`Some(None)` when the client
/// sent none), or `None` when the request has no `cf` object (the header is then as sent).
pub fn restore_accept_encoding(headers: &mut HeaderMap, client: Option<Option<String>>) {
    let Some(client) = client else { return };
    headers.remove(http::header::ACCEPT_ENCODING);
    if let Some(value) = client.and_then(|v| HeaderValue::from_str(&v).ok()) {
        headers.insert(http::header::ACCEPT_ENCODING, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_connecting_ip() {
        let mut h = HeaderMap::new();
        assert_eq!(client_addr(&h), None);
        h.insert("cf-connecting-ip", "203.0.113.9".parse().unwrap());
        assert_eq!(client_addr(&h), Some("203.0.113.9".parse().unwrap()));
        h.insert("cf-connecting-ip", "2001:db8::1".parse().unwrap());
        assert_eq!(client_addr(&h), Some("2001:db8::1".parse().unwrap()));
        h.insert("cf-connecting-ip", "not an ip".parse().unwrap());
        assert_eq!(client_addr(&h), None);
    }

    #[test]
    fn reads_the_declared_length() {
        let mut h = HeaderMap::new();
        assert_eq!(declared_length(&h), None);
        h.insert("content-length", "67108865".parse().unwrap());
        assert_eq!(declared_length(&h), Some(67_108_865));
        h.insert("content-length", "x".parse().unwrap());
        assert_eq!(declared_length(&h), None);
    }

    #[test]
    fn the_clients_accept_encoding_replaces_the_platforms() {
        let mut headers = HeaderMap::new();
        headers.insert(
            http::header::ACCEPT_ENCODING,
            HeaderValue::from_static("br, gzip"),
        );
        restore_accept_encoding(&mut headers, None);
        assert_eq!(
            headers[http::header::ACCEPT_ENCODING],
            "br, gzip",
            "no cf: as sent"
        );
        restore_accept_encoding(&mut headers, Some(Some("gzip".into())));
        assert_eq!(headers[http::header::ACCEPT_ENCODING], "gzip");
        restore_accept_encoding(&mut headers, Some(None));
        assert!(
            !headers.contains_key(http::header::ACCEPT_ENCODING),
            "the client sent none"
        );
    }
}
