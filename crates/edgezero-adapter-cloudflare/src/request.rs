//! The request as the app sees it: Cloudflare's `CF-Connecting-IP` as the client's address,
//! and the client's own `Accept-Encoding`.

use std::net::IpAddr;

use http::{HeaderMap, HeaderValue};

#[cfg(target_arch = "wasm32")]
pub use from_js::from_worker;

#[cfg(target_arch = "wasm32")]
mod from_js {
    use http::request::Parts;
    use http::{HeaderName, HeaderValue, Method};
    use wasm_bindgen::JsValue;

    use super::{restore_accept_encoding, version_of};

    /// The request workerd hands the Worker: its method, URL and headers (the client's own
    /// `Accept-Encoding` put back) as `http` parts, and its body stream if it has one. Reads only
    /// what the app can see, in as few calls into JavaScript as it takes.
    pub fn from_worker(
        req: &web_sys::Request,
    ) -> Result<(Parts, Option<web_sys::ReadableStream>), String> {
        let (mut parts, ()) = http::Request::new(()).into_parts();
        parts.method = Method::from_bytes(req.method().as_bytes())
            .map_err(|_| format!("the method `{}` is not valid", req.method()))?;
        parts.uri = req
            .url()
            .parse()
            .map_err(|e| format!("the URL is not valid: {e}"))?;
        for entry in req.headers().entries() {
            let pair = js_sys::Array::from(&entry.map_err(|e| format!("{e:?}"))?);
            let (Some(name), Some(value)) = (pair.get(0).as_string(), pair.get(1).as_string())
            else {
                continue;
            };
            let name = HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| format!("the header name `{}` is not valid", name.escape_debug()))?;
            let value = HeaderValue::from_str(&value)
                .map_err(|_| format!("the value of header `{name}` is not valid"))?;
            parts.headers.append(name, value);
        }
        // `request.cf`: the protocol the client spoke and its own `Accept-Encoding`.
        let cf = js_sys::Reflect::get(req.as_ref(), &JsValue::from_str("cf"))
            .ok()
            .filter(JsValue::is_object);
        let field = |cf: &JsValue, name: &str| {
            js_sys::Reflect::get(cf, &JsValue::from_str(name))
                .ok()
                .map(|v| v.as_string())
        };
        if let Some(protocol) = cf
            .as_ref()
            .and_then(|cf| field(cf, "httpProtocol"))
            .flatten()
        {
            parts.version = version_of(&protocol);
        }
        let client = cf.as_ref().and_then(|cf| field(cf, "clientAcceptEncoding"));
        restore_accept_encoding(&mut parts.headers, client);
        Ok((parts, req.body()))
    }
}

/// The HTTP version named by `request.cf.httpProtocol` (`HTTP/1.1`, `HTTP/2`, `HTTP/3`);
/// HTTP/1.1 for anything else.
pub fn version_of(protocol: &str) -> http::Version {
    match protocol {
        "HTTP/0.9" => http::Version::HTTP_09,
        "HTTP/1.0" => http::Version::HTTP_10,
        "HTTP/2" | "HTTP/2.0" => http::Version::HTTP_2,
        "HTTP/3" | "HTTP/3.0" => http::Version::HTTP_3,
        _ => http::Version::HTTP_11,
    }
}

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
    fn reads_the_protocol_of_request_cf() {
        assert_eq!(version_of("HTTP/2"), http::Version::HTTP_2);
        assert_eq!(version_of("HTTP/3"), http::Version::HTTP_3);
        assert_eq!(version_of("HTTP/1.0"), http::Version::HTTP_10);
        assert_eq!(version_of("HTTP/1.1"), http::Version::HTTP_11);
        assert_eq!(version_of("spdy"), http::Version::HTTP_11);
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
