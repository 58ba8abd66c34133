//! Spin's own request headers, taken out of the request before the app sees it.
//!
//! Spin adds `spin-full-url`, `spin-path-info`, `spin-matched-route`, `spin-base-path`,
//! `spin-raw-component-route`, `spin-component-route`, `spin-client-addr` and one
//! `spin-path-match-<name>` per route parameter to every request it hands a component. They
//! describe this hop on this platform, so portable app code should never read them: the
//! adapter removes every `spin-*` header, fills core's
//! [`ClientAddr`](edgezero_core::extract::ClientAddr) from `spin-client-addr`, and keeps the
//! rest, typed, in a [`SpinRequestInfo`] request extension for Spin-specific code.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use bytes::Bytes;
use edgezero_core::extract::ClientAddr;
use http::header::{HeaderMap, HeaderName, HeaderValue};

/// What Spin's `spin-*` request headers said about a request, for code that needs it (the
/// app sees none of those headers). The Spin adapter puts one in every request's extensions;
/// a handler takes it with `Extension<SpinRequestInfo>` (or `Option<..>` in code that also
/// runs on other platforms):
///
/// ```
/// use edgezero_adapter_spin::SpinRequestInfo;
/// use edgezero_core::extract::Extension;
///
/// async fn where_am_i(info: Option<Extension<SpinRequestInfo>>) -> String {
///     match info {
///         Some(Extension(info)) => info.full_url().unwrap_or_default().to_string(),
///         None => "not on Spin".to_string(),
///     }
/// }
/// # let _ = edgezero_core::Router::new().get("/where", where_am_i);
/// ```
///
/// Each accessor is `None` when Spin did not send that header (or sent a value that is not
/// UTF-8). The client's address is also, portably, core's `ClientAddr`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SpinRequestInfo {
    full_url: Option<HeaderValue>,
    path_info: Option<HeaderValue>,
    matched_route: Option<HeaderValue>,
    base_path: Option<HeaderValue>,
    raw_component_route: Option<HeaderValue>,
    component_route: Option<HeaderValue>,
    client_addr: Option<HeaderValue>,
    path_matches: Vec<(String, HeaderValue)>,
}

fn text(value: &Option<HeaderValue>) -> Option<&str> {
    value
        .as_ref()
        .and_then(|v| std::str::from_utf8(v.as_bytes()).ok())
}

impl SpinRequestInfo {
    /// `spin-full-url`: the URL the client asked for, with scheme and host
    /// (`http://127.0.0.1:3000/api/users?x=1`); the request's own URI is the path and query.
    pub fn full_url(&self) -> Option<&str> {
        text(&self.full_url)
    }

    /// `spin-path-info`: the path after the matched route's prefix (`/users` under
    /// `/api/...`).
    pub fn path_info(&self) -> Option<&str> {
        text(&self.path_info)
    }

    /// `spin-matched-route`: the route that matched, with the application's base
    /// (`/api/...`).
    pub fn matched_route(&self) -> Option<&str> {
        text(&self.matched_route)
    }

    /// `spin-base-path`: the application's base path (`/`).
    pub fn base_path(&self) -> Option<&str> {
        text(&self.base_path)
    }

    /// `spin-raw-component-route`: the route as written in spin.toml, without the base
    /// (`/api/...`).
    pub fn raw_component_route(&self) -> Option<&str> {
        text(&self.raw_component_route)
    }

    /// `spin-component-route`: the route without its wildcard (`/api`).
    pub fn component_route(&self) -> Option<&str> {
        text(&self.component_route)
    }

    /// `spin-client-addr`: the client's address and port. (Its IP alone is core's
    /// `ClientAddr`.) `None` when absent or not an address.
    pub fn client_addr(&self) -> Option<SocketAddr> {
        text(&self.client_addr).and_then(|v| v.parse().ok())
    }

    /// `spin-path-match-<name>`: the value of the route parameter `:name` (names are
    /// compared without regard to case; Spin sends them lower-cased).
    pub fn path_match(&self, name: &str) -> Option<&str> {
        self.path_matches
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .and_then(|(_, v)| std::str::from_utf8(v.as_bytes()).ok())
    }

    /// Every `spin-path-match-*` parameter, as `(name, value)`, in the order Spin sent them.
    pub fn path_matches(&self) -> impl Iterator<Item = (&str, &str)> {
        self.path_matches.iter().filter_map(|(n, v)| {
            std::str::from_utf8(v.as_bytes())
                .ok()
                .map(|v| (n.as_str(), v))
        })
    }

    /// Records a `spin-*` header (case is ignored), or gives `value` back when `name` is
    /// not one. An unknown `spin-*` name is still Spin's: it is dropped.
    pub fn take(&mut self, name: &str, value: HeaderValue) -> Result<(), HeaderValue> {
        let Some(rest) = spin_suffix(name) else {
            return Err(value);
        };
        // Spin sends each name once; should one come twice, the first counts.
        let slot = match rest.len() {
            8 if rest.eq_ignore_ascii_case("full-url") => &mut self.full_url,
            9 if rest.eq_ignore_ascii_case("path-info") => &mut self.path_info,
            9 if rest.eq_ignore_ascii_case("base-path") => &mut self.base_path,
            11 if rest.eq_ignore_ascii_case("client-addr") => &mut self.client_addr,
            13 if rest.eq_ignore_ascii_case("matched-route") => &mut self.matched_route,
            15 if rest.eq_ignore_ascii_case("component-route") => &mut self.component_route,
            19 if rest.eq_ignore_ascii_case("raw-component-route") => &mut self.raw_component_route,
            _ => {
                if let Some(param) = strip_prefix_ignore_case(rest, "path-match-") {
                    let param = param.to_ascii_lowercase();
                    if !self.path_matches.iter().any(|(n, _)| *n == param) {
                        self.path_matches.push((param, value));
                    }
                }
                return Ok(());
            }
        };
        slot.get_or_insert(value);
        Ok(())
    }

    /// The field of the `i`th name of [`KNOWN`].
    fn slot(&mut self, i: usize) -> &mut Option<HeaderValue> {
        match i {
            0 => &mut self.full_url,
            1 => &mut self.path_info,
            2 => &mut self.matched_route,
            3 => &mut self.base_path,
            4 => &mut self.raw_component_route,
            5 => &mut self.component_route,
            _ => &mut self.client_addr,
        }
    }

    /// The IP address of `spin-client-addr` (an `ip:port`, `[v6]:port`, or a bare IP).
    pub fn client_ip(&self) -> Option<IpAddr> {
        let raw = self.client_addr.as_ref()?.as_bytes();
        // The usual `a.b.c.d:port` without the generic parser, which costs more than the
        // rest of taking Spin's headers apart; anything else goes through it.
        if let Some(v4) = ipv4_and_port(raw) {
            return Some(IpAddr::V4(v4));
        }
        let raw = std::str::from_utf8(raw).ok()?;
        raw.parse::<SocketAddr>()
            .map(|addr| addr.ip())
            .or_else(|_| raw.parse::<IpAddr>())
            .ok()
    }

    /// Puts `self` in `extensions`, and the client's IP as core's `ClientAddr` when Spin
    /// said what it is.
    pub fn attach_to(self, extensions: &mut http::Extensions) {
        if let Some(ip) = self.client_ip() {
            extensions.insert(ClientAddr(ip));
        }
        extensions.insert(self);
    }
}

/// `a.b.c.d` or `a.b.c.d:port` exactly as `std` parses them (decimal octets without leading
/// zeros, a port up to 65535), or `None` for anything else.
fn ipv4_and_port(raw: &[u8]) -> Option<Ipv4Addr> {
    let mut octets = [0u8; 4];
    let mut i = 0;
    for (n, octet) in octets.iter_mut().enumerate() {
        if n > 0 {
            if raw.get(i) != Some(&b'.') {
                return None;
            }
            i += 1;
        }
        let (value, len) = decimal(&raw[i..])?;
        *octet = u8::try_from(value).ok()?;
        i += len;
    }
    match raw.get(i) {
        None => {}
        // The port: decimal digits (leading zeros allowed) up to 65535, then the end.
        Some(b':') => {
            let port = &raw[i + 1..];
            let mut value = 0u32;
            for d in port {
                if !d.is_ascii_digit() {
                    return None;
                }
                value = value * 10 + u32::from(d - b'0');
                if value > u32::from(u16::MAX) {
                    return None;
                }
            }
            if port.is_empty() {
                return None;
            }
        }
        Some(_) => return None,
    }
    Some(Ipv4Addr::from(octets))
}

/// The octet at the start of `digits` (one to three decimal digits, no leading zero unless
/// it is `0` itself) and its length.
fn decimal(digits: &[u8]) -> Option<(u32, usize)> {
    let len = digits.iter().take_while(|b| b.is_ascii_digit()).count();
    if len == 0 || len > 3 || (len > 1 && digits[0] == b'0') {
        return None;
    }
    let value = digits[..len]
        .iter()
        .fold(0, |n, d| n * 10 + u32::from(d - b'0'));
    Some((value, len))
}

/// `name` without its `spin-` prefix (any case), or `None` when it has none.
fn spin_suffix(name: &str) -> Option<&str> {
    strip_prefix_ignore_case(name, "spin-")
}

fn strip_prefix_ignore_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.as_bytes().get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix.as_bytes())
        .then(|| &text[prefix.len()..])
}

/// Whether `name` is one of Spin's request headers (`spin-*`, any case).
pub fn is_spin_header(name: &str) -> bool {
    spin_suffix(name).is_some()
}

/// The request headers as `wasi:http` lists them (`fields.copy-all`), without Spin's:
/// in order, repeated names kept, each value used as it is (not copied); the `spin-*` ones
/// go to the [`SpinRequestInfo`] instead. An invalid name or value is an error naming the
/// header.
pub fn headers_from_list(
    list: Vec<(String, Vec<u8>)>,
) -> Result<(HeaderMap, SpinRequestInfo), InvalidRequestHeader> {
    let mut headers = HeaderMap::with_capacity(list.len());
    let mut spin = SpinRequestInfo::default();
    for (name, value) in list {
        let Ok(value) = HeaderValue::from_maybe_shared(Bytes::from(value)) else {
            return Err(InvalidRequestHeader::Value(name));
        };
        let Err(value) = spin.take(&name, value) else {
            continue;
        };
        let Ok(header) = HeaderName::from_bytes(name.as_bytes()) else {
            return Err(InvalidRequestHeader::Name(name));
        };
        headers.append(header, value);
    }
    Ok((headers, spin))
}

/// A request header `http` cannot hold, named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InvalidRequestHeader {
    /// The name is not a header name.
    Name(String),
    /// The value of the named header is not a header value.
    Value(String),
}

impl std::fmt::Display for InvalidRequestHeader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            InvalidRequestHeader::Name(name) => {
                write!(f, "invalid request header name `{}`", name.escape_debug())
            }
            InvalidRequestHeader::Value(name) => {
                write!(
                    f,
                    "invalid value of request header `{}`",
                    name.escape_debug()
                )
            }
        }
    }
}

impl std::error::Error for InvalidRequestHeader {}

/// The names Spin sets on every request, in [`SpinRequestInfo::slot`] order.
static KNOWN: [HeaderName; 7] = [
    HeaderName::from_static("spin-full-url"),
    HeaderName::from_static("spin-path-info"),
    HeaderName::from_static("spin-matched-route"),
    HeaderName::from_static("spin-base-path"),
    HeaderName::from_static("spin-raw-component-route"),
    HeaderName::from_static("spin-component-route"),
    HeaderName::from_static("spin-client-addr"),
];

/// Takes Spin's `spin-*` headers out of `headers` (a request the SDK converted, or any
/// `http::Request`), keeping every other header (repeated values in their order).
pub fn split_spin_headers(headers: &mut HeaderMap) -> SpinRequestInfo {
    let mut spin = SpinRequestInfo::default();
    if !headers.keys().any(|name| is_spin_header(name.as_str())) {
        return spin;
    }
    // Removed by name, in place: cheaper than copying the other headers into a new map.
    for (i, name) in KNOWN.iter().enumerate() {
        if let Some(value) = headers.remove(name) {
            *spin.slot(i) = Some(value);
        }
    }
    // `spin-path-match-*` and names Spin may add later: only on some requests.
    let rest: Vec<HeaderName> = headers
        .keys()
        .filter(|name| is_spin_header(name.as_str()))
        .cloned()
        .collect();
    for name in rest {
        if let Some(value) = headers.remove(&name) {
            let _ = spin.take(name.as_str(), value);
        }
    }
    spin
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(pairs: &[(&str, &str)]) -> Vec<(String, Vec<u8>)> {
        pairs
            .iter()
            .map(|(n, v)| (n.to_string(), v.as_bytes().to_vec()))
            .collect()
    }

    /// What Spin sends for `GET /users/42/x?y=1` under the route `/users/:id/...`.
    const SPIN: &[(&str, &str)] = &[
        ("spin-full-url", "http://edge.test:3000/users/42/x?y=1"),
        ("spin-path-info", "/x"),
        ("spin-matched-route", "/users/:id/..."),
        ("spin-base-path", "/"),
        ("spin-raw-component-route", "/users/:id/..."),
        ("spin-component-route", "/users/:id"),
        ("spin-client-addr", "203.0.113.7:51234"),
        ("spin-path-match-id", "42"),
    ];

    fn check_info(info: &SpinRequestInfo) {
        assert_eq!(
            info.full_url(),
            Some("http://edge.test:3000/users/42/x?y=1")
        );
        assert_eq!(info.path_info(), Some("/x"));
        assert_eq!(info.matched_route(), Some("/users/:id/..."));
        assert_eq!(info.base_path(), Some("/"));
        assert_eq!(info.raw_component_route(), Some("/users/:id/..."));
        assert_eq!(info.component_route(), Some("/users/:id"));
        assert_eq!(
            info.client_addr(),
            Some("203.0.113.7:51234".parse().unwrap())
        );
        assert_eq!(info.client_ip(), Some("203.0.113.7".parse().unwrap()));
        assert_eq!(info.path_match("id"), Some("42"));
        assert_eq!(info.path_match("ID"), Some("42"));
        assert_eq!(info.path_matches().collect::<Vec<_>>(), [("id", "42")]);
    }

    #[test]
    fn listed_headers_lose_spins_and_keep_order_and_repeats() {
        let mut pairs = vec![("host", "edge.test"), ("x-multi", "1")];
        pairs.extend_from_slice(SPIN);
        pairs.extend_from_slice(&[("X-Multi", "2"), ("Spin-Other", "?"), ("x-spin", "kept")]);
        let (headers, info) = headers_from_list(list(&pairs)).unwrap();
        assert_eq!(headers.len(), 4, "{headers:?}");
        assert!(headers.keys().all(|n| !n.as_str().starts_with("spin-")));
        assert_eq!(headers["host"], "edge.test");
        assert_eq!(headers["x-spin"], "kept");
        let multi: Vec<_> = headers.get_all("x-multi").iter().collect();
        assert_eq!(multi, ["1", "2"]);
        check_info(&info);
    }

    #[test]
    fn converted_headers_lose_spins_and_keep_repeats() {
        let mut headers = HeaderMap::new();
        headers.append("host", HeaderValue::from_static("edge.test"));
        headers.append("x-multi", HeaderValue::from_static("1"));
        for (name, value) in SPIN {
            headers.append(
                HeaderName::from_static(name),
                HeaderValue::from_static(value),
            );
        }
        headers.append("x-multi", HeaderValue::from_static("2"));
        headers.append("spin-other", HeaderValue::from_static("?"));
        let info = split_spin_headers(&mut headers);
        assert_eq!(headers.len(), 3, "{headers:?}");
        assert!(headers.keys().all(|n| !is_spin_header(n.as_str())));
        let multi: Vec<_> = headers.get_all("x-multi").iter().collect();
        assert_eq!(multi, ["1", "2"]);
        check_info(&info);

        // No Spin header: nothing changes, nothing is recorded.
        let before = headers.clone();
        assert_eq!(split_spin_headers(&mut headers), SpinRequestInfo::default());
        assert_eq!(headers, before);
    }

    #[test]
    fn client_addresses_of_every_form_become_client_addr() {
        for (raw, ip) in [
            ("127.0.0.1:9", Some("127.0.0.1")),
            ("[::1]:443", Some("::1")),
            ("[2001:db8::7]:51234", Some("2001:db8::7")),
            ("10.0.0.1", Some("10.0.0.1")),
            ("::1", Some("::1")),
            ("0.0.0.0:0", Some("0.0.0.0")),
            ("not an address", None),
            ("", None),
        ] {
            let (_, info) = headers_from_list(list(&[("spin-client-addr", raw)])).unwrap();
            let mut extensions = http::Extensions::new();
            info.attach_to(&mut extensions);
            let expected = ip.map(|ip| ClientAddr(ip.parse().unwrap()));
            assert_eq!(extensions.get::<ClientAddr>().copied(), expected, "{raw}");
            assert!(extensions.get::<SpinRequestInfo>().is_some());
        }
        // No header at all: no ClientAddr, the (empty) info is still there.
        let mut extensions = http::Extensions::new();
        SpinRequestInfo::default().attach_to(&mut extensions);
        assert!(extensions.get::<ClientAddr>().is_none());
        assert_eq!(
            extensions.get::<SpinRequestInfo>(),
            Some(&SpinRequestInfo::default())
        );
    }

    #[test]
    fn the_quick_ipv4_reading_agrees_with_std() {
        for raw in [
            "127.0.0.1:9",
            "203.0.113.7:51234",
            "0.0.0.0:0",
            "255.255.255.255:65535",
            "10.0.0.1",
            "1.2.3.4:65536",
            "1.2.3.4:",
            "1.2.3.4:0080",
            "1.2.3.4:000000000080",
            "1.2.3.4:99999",
            "01.2.3.4:80",
            "1.2.3.256:80",
            "1.2.3:80",
            "1.2.3.4.5:80",
            "1.2.3.4:80x",
            "1..3.4",
            "1234.1.1.1",
            "1.2.3.4 ",
            "[::1]:80",
            "",
        ] {
            let std = raw
                .parse::<SocketAddr>()
                .ok()
                .and_then(|a| match a.ip() {
                    IpAddr::V4(v4) => Some(v4),
                    IpAddr::V6(_) => None,
                })
                .or_else(|| raw.parse::<Ipv4Addr>().ok());
            assert_eq!(ipv4_and_port(raw.as_bytes()), std, "{raw}");
        }
    }

    #[test]
    fn spin_names_are_recognised_in_any_case_and_others_are_not() {
        for name in [
            "spin-full-url",
            "Spin-Full-Url",
            "SPIN-CLIENT-ADDR",
            "spin-x",
        ] {
            assert!(is_spin_header(name), "{name}");
        }
        for name in [
            "spin",
            "spin_full_url",
            "x-spin-full-url",
            "spinfull-url",
            "",
        ] {
            assert!(!is_spin_header(name), "{name}");
        }
        let mut info = SpinRequestInfo::default();
        let value = HeaderValue::from_static;
        assert!(info.take("SPIN-PATH-INFO", value("/a")).is_ok());
        assert!(info.take("spin-path-info", value("/b")).is_ok());
        assert_eq!(info.path_info(), Some("/a"), "the first value counts");
        assert!(info.take("Spin-Path-Match-UserId", value("7")).is_ok());
        assert_eq!(info.path_match("userid"), Some("7"));
        assert_eq!(info.take("x-full-url", value("no")), Err(value("no")));
    }

    #[test]
    fn bad_listed_headers_are_errors_naming_them() {
        let err = headers_from_list(list(&[("bad name", "v")])).unwrap_err();
        assert_eq!(err.to_string(), "invalid request header name `bad name`");
        let err = headers_from_list(vec![("x-a".into(), b"line\nbreak".to_vec())]).unwrap_err();
        assert_eq!(err, InvalidRequestHeader::Value("x-a".into()));
        assert_eq!(err.to_string(), "invalid value of request header `x-a`");
    }
}
