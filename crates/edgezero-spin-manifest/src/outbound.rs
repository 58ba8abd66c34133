//! `allowed_outbound_hosts`: which network destinations a component may reach, with Spin's
//! grammar and matching rules.
//!
//! An entry is `<scheme>://<host>[:<port>]`:
//!
//! | part | forms |
//! |---|---|
//! | scheme | a name (`http`, `https`, `redis`, …) or `*` |
//! | host | a name (`example.com`), `*.example.com` (any subdomain), `*`, an IP address or CIDR range (`10.0.0.0/8`), or `self` (the app itself, for relative URLs) |
//! | port | a number, a range `a..b` (end excluded), `*`, or nothing: the scheme's well-known port (80, 443, 5432, 3306, 6379, 1883) |
//!
//! `{{ variable }}` templates are resolved when the app is loaded; `insecure:allow-all` is
//! refused (write `*://*:*`). A URL without a port matches the well-known port of its scheme.

use std::net::IpAddr;

/// One parsed entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowedHost {
    original: String,
    scheme: Option<String>,
    host: Host,
    port: Port,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Host {
    Any,
    Subdomain(String),
    ToSelf,
    Exact(String),
    Cidr(IpAddr, u8),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Port {
    Any,
    One(u16),
    Range(u16, u16),
}

/// The port a scheme uses when a URL or an entry gives none.
pub fn well_known_port(scheme: &str) -> Option<u16> {
    Some(match scheme {
        "http" => 80,
        "https" => 443,
        "postgres" => 5432,
        "mysql" => 3306,
        "redis" => 6379,
        "mqtt" => 1883,
        _ => return None,
    })
}

fn cidr(host: &str) -> Option<(IpAddr, u8)> {
    let (ip, bits) = match host.split_once('/') {
        Some((ip, bits)) => (ip, Some(bits)),
        None => (host, None),
    };
    let ip: IpAddr = ip.parse().ok()?;
    let max = if ip.is_ipv4() { 32 } else { 128 };
    let bits = match bits {
        Some(b) => b.parse::<u8>().ok().filter(|b| *b <= max)?,
        None => max,
    };
    Some((ip, bits))
}

fn in_cidr(net: IpAddr, bits: u8, ip: IpAddr) -> bool {
    let (a, b, width) = match (net, ip) {
        (IpAddr::V4(n), IpAddr::V4(i)) => (u32::from(n) as u128, u32::from(i) as u128, 32),
        (IpAddr::V6(n), IpAddr::V6(i)) => (u128::from(n), u128::from(i), 128),
        _ => return false,
    };
    if bits == 0 {
        return true;
    }
    let shift = width - u32::from(bits);
    (a >> shift) == (b >> shift)
}

/// Why an `allowed_outbound_hosts` entry cannot be used; the message quotes the entry and
/// says what to write.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OutboundError {
    /// No `<scheme>://`.
    #[error("{0:?} has no scheme: write <scheme>://<host>[:<port>], e.g. \"https://example.com\" (or \"*://*:*\" to allow everything)")]
    NoScheme(String),
    /// A scheme that is not letters or `*`.
    #[error("{entry:?}: the scheme {scheme:?} must be letters or `*`")]
    BadScheme {
        /// The entry.
        entry: String,
        /// Its scheme.
        scheme: String,
    },
    /// A path after the host.
    #[error("{0:?} has a path; entries name hosts only")]
    HasPath(String),
    /// `*` in a label other than the first.
    #[error("{0:?}: a wildcard may only be the first label (`*.example.com`)")]
    WildcardLabel(String),
    /// `*` inside a host.
    #[error("{0:?}: a wildcard may only be the whole host or its first label")]
    WildcardHost(String),
    /// An empty or invalid host.
    #[error("{0:?} has no valid host")]
    NoHost(String),
    /// No port, and the scheme has no well-known one.
    #[error("{0:?} has no port and its scheme has no well-known one; add `:<port>` or `:*`")]
    NoPort(String),
    /// `a..b` that is not two numbers.
    #[error("{entry:?}: the port range {port:?} must be numbers, e.g. 8000..9000")]
    PortRange {
        /// The entry.
        entry: String,
        /// The range as written.
        port: String,
    },
    /// A port that is not a number.
    #[error("{entry:?}: the port {port:?} is not a number")]
    Port {
        /// The entry.
        entry: String,
        /// The port as written.
        port: String,
    },
    /// `insecure:allow-all`, which Spin refuses.
    #[error(
        "\"insecure:allow-all\" is not allowed; write \"*://*:*\" to allow all outbound traffic"
    )]
    InsecureAllowAll,
}

impl AllowedHost {
    /// Parses one entry (templates already resolved).
    pub fn parse(entry: &str) -> Result<AllowedHost, OutboundError> {
        let text = entry.trim();
        let Some((scheme, rest)) = text.split_once("://") else {
            return Err(OutboundError::NoScheme(text.to_string()));
        };
        let scheme = match scheme {
            "*" => None,
            s if !s.is_empty() && s.chars().all(|c| c.is_ascii_alphabetic()) => Some(s.to_string()),
            s => {
                return Err(OutboundError::BadScheme {
                    entry: text.to_string(),
                    scheme: s.to_string(),
                })
            }
        };
        let (host, port) = rest.rsplit_once(':').unwrap_or((rest, ""));
        let port = match port.split_once('/') {
            Some((_, path)) if !path.is_empty() => {
                return Err(OutboundError::HasPath(text.to_string()))
            }
            Some((port, _)) => port,
            None => port,
        };
        if matches!(host.split('/').nth(1), Some(path) if !path.is_empty()) && cidr(host).is_none()
        {
            return Err(OutboundError::HasPath(text.to_string()));
        }
        let host = host.trim().trim_end_matches('/');
        let host = if host == "*" {
            Host::Any
        } else if host == "self" || host == "self.alt" {
            Host::ToSelf
        } else if let Some((ip, bits)) = cidr(host) {
            Host::Cidr(ip, bits)
        } else if let Some(domain) = host.strip_prefix("*.") {
            if domain.contains('*') || domain.is_empty() {
                return Err(OutboundError::WildcardLabel(text.to_string()));
            }
            Host::Subdomain(format!(".{domain}"))
        } else if host.contains('*') {
            return Err(OutboundError::WildcardHost(text.to_string()));
        } else if host.is_empty() || host.contains('/') {
            return Err(OutboundError::NoHost(text.to_string()));
        } else {
            Host::Exact(host.to_ascii_lowercase())
        };
        let port = match port {
            "" => match scheme.as_deref().and_then(well_known_port) {
                Some(p) => Port::One(p),
                None => return Err(OutboundError::NoPort(text.to_string())),
            },
            "*" => Port::Any,
            p => match p.split_once("..") {
                Some((a, b)) => match (a.parse(), b.parse()) {
                    (Ok(a), Ok(b)) => Port::Range(a, b),
                    _ => {
                        return Err(OutboundError::PortRange {
                            entry: text.to_string(),
                            port: p.to_string(),
                        })
                    }
                },
                None => Port::One(p.parse().map_err(|_| OutboundError::Port {
                    entry: text.to_string(),
                    port: p.to_string(),
                })?),
            },
        };
        Ok(AllowedHost {
            original: text.to_string(),
            scheme,
            host,
            port,
        })
    }

    /// Whether a request to `scheme://host[:port]` is allowed by this entry.
    pub fn allows(&self, scheme: &str, host: &str, port: Option<u16>) -> bool {
        let scheme_ok = self.scheme.as_deref().is_none_or(|s| s == scheme);
        let host = host.to_ascii_lowercase();
        let host_ok = match &self.host {
            Host::Any => true,
            Host::Subdomain(suffix) => host.ends_with(suffix.as_str()),
            Host::ToSelf => false,
            Host::Exact(h) => *h == host,
            Host::Cidr(net, bits) => host
                .trim_start_matches('[')
                .trim_end_matches(']')
                .parse()
                .is_ok_and(|ip| in_cidr(*net, *bits, ip)),
        };
        let port_ok = match &self.port {
            Port::Any => true,
            Port::One(p) => port.or_else(|| well_known_port(scheme)) == Some(*p),
            Port::Range(a, b) => port
                .or_else(|| well_known_port(scheme))
                .is_some_and(|p| (*a..*b).contains(&p)),
        };
        scheme_ok && host_ok && port_ok
    }

    /// Whether this entry allows requests to the app itself: a host of `self` or `*`, with
    /// a scheme that allows `http` or `https` (as Spin checks relative URLs).
    pub fn allows_self(&self) -> bool {
        let web = match self.scheme.as_deref() {
            None => true,
            Some(s) => s == "http" || s == "https",
        };
        web && matches!(self.host, Host::Any | Host::ToSelf)
    }

    /// The entry as written.
    pub fn as_str(&self) -> &str {
        &self.original
    }
}

/// Parses every entry of a component; `insecure:allow-all` is refused, as Spin refuses it.
pub fn parse_all(entries: &[String]) -> Result<Vec<AllowedHost>, OutboundError> {
    if entries.len() == 1 && entries[0].trim() == "insecure:allow-all" {
        return Err(OutboundError::InsecureAllowAll);
    }
    entries.iter().map(|e| AllowedHost::parse(e)).collect()
}

/// The entry that would allow `scheme://host[:port]`, for messages.
pub fn entry_for(scheme: &str, host: &str, port: Option<u16>) -> String {
    match port {
        Some(p) if Some(p) != well_known_port(scheme) => format!("{scheme}://{host}:{p}"),
        _ => format!("{scheme}://{host}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type Url<'a> = (&'a str, &'a str, Option<u16>);

    fn allows(entry: &str, url: Url<'_>) -> bool {
        AllowedHost::parse(entry)
            .unwrap()
            .allows(url.0, url.1, url.2)
    }

    #[test]
    fn spins_documented_examples() {
        let table: &[(&str, Url<'_>, bool)] = &[
            ("https://example.com", ("https", "example.com", None), true),
            (
                "https://example.com",
                ("https", "example.com", Some(443)),
                true,
            ),
            (
                "https://example.com",
                ("https", "example.com", Some(8443)),
                false,
            ),
            ("https://example.com", ("http", "example.com", None), false),
            (
                "https://example.com",
                ("https", "api.example.com", None),
                false,
            ),
            (
                "https://*.example.com",
                ("https", "api.example.com", None),
                true,
            ),
            (
                "https://*.example.com",
                ("https", "example.com", None),
                false,
            ),
            ("https://*", ("https", "anything.org", None), true),
            ("https://*", ("https", "anything.org", Some(8443)), false),
            ("*://localhost:*", ("http", "localhost", Some(3000)), true),
            ("*://localhost:*", ("redis", "localhost", Some(6379)), true),
            (
                "http://localhost:3000",
                ("http", "localhost", Some(3000)),
                true,
            ),
            (
                "http://localhost:3000",
                ("http", "localhost", Some(3001)),
                false,
            ),
            (
                "http://localhost:3000..3010",
                ("http", "localhost", Some(3009)),
                true,
            ),
            (
                "http://localhost:3000..3010",
                ("http", "localhost", Some(3010)),
                false,
            ),
            ("redis://db", ("redis", "db", None), true),
            ("redis://db", ("redis", "db", Some(6380)), false),
            ("*://*:*", ("mqtt", "broker", Some(1)), true),
            ("http://10.0.0.0/8", ("http", "10.1.2.3", None), true),
            ("http://10.0.0.0/8", ("http", "11.1.2.3", None), false),
            ("http://127.0.0.1:*", ("http", "127.0.0.1", Some(9)), true),
            ("https://Example.COM", ("https", "example.com", None), true),
            ("http://self", ("http", "self", None), false),
        ];
        for (entry, url, expected) in table {
            assert_eq!(allows(entry, *url), *expected, "{entry} vs {url:?}");
        }
    }

    #[test]
    fn bad_entries_say_what_is_wrong() {
        for (entry, says) in [
            ("example.com", "no scheme"),
            ("*", "no scheme"),
            ("https://example.com/path", "has a path"),
            ("https://exa*mple.com", "wildcard"),
            ("https://*.ex*.com", "wildcard"),
            ("ftp://example.com", "no well-known"),
            ("http://example.com:eighty", "not a number"),
            ("http://example.com:1..b", "port range"),
            ("ht-tp://example.com", "scheme"),
        ] {
            let err = AllowedHost::parse(entry).unwrap_err().to_string();
            assert!(err.contains(says), "{entry}: {err}");
        }
        assert!(parse_all(&["insecure:allow-all".to_string()])
            .unwrap_err()
            .to_string()
            .contains("*://*:*"));
        assert!(AllowedHost::parse("http://self").unwrap().allows_self());
        assert!(AllowedHost::parse("*://*:*").unwrap().allows_self());
        assert!(!AllowedHost::parse("redis://*").unwrap().allows_self());
        assert!(!AllowedHost::parse("mysql://self").unwrap().allows_self());
        assert_eq!(entry_for("https", "a.b", Some(443)), "https://a.b");
        assert_eq!(entry_for("http", "a.b", Some(8080)), "http://a.b:8080");
    }
}
