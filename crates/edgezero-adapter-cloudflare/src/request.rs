//! The request as the app sees it: Cloudflare's `CF-Connecting-IP` as the client's address.

use std::net::IpAddr;

use http::HeaderMap;

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
}
