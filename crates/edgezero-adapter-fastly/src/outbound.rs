//! Where an outbound request goes on Fastly: the backend for its URL, and how a failure
//! reads (the parts that need no platform, unit-tested on the host).

use std::time::Duration;

/// The origin of an outbound URL: what a backend is registered for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// The host, as in the URL.
    pub host: String,
    /// The port (the scheme's default when the URL has none).
    pub port: u16,
    /// Whether the scheme is https.
    pub tls: bool,
}

impl Origin {
    /// The origin of `uri` (absolute, http or https: checked by core before).
    pub fn of(uri: &http::Uri) -> Option<Origin> {
        let tls = match uri.scheme_str()? {
            "https" => true,
            "http" => false,
            _ => return None,
        };
        let host = uri.host()?.trim_start_matches('[').trim_end_matches(']');
        Some(Origin {
            host: host.to_string(),
            port: uri.port_u16().unwrap_or(if tls { 443 } else { 80 }),
            tls,
        })
    }

    /// `host:port`, the target of a dynamic backend (IPv6 in brackets).
    pub fn target(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }

    /// The name of the dynamic backend the adapter registers for this origin (unique per
    /// scheme, host and port; visible ASCII, at most 255 bytes).
    pub fn dynamic_name(&self) -> String {
        let scheme = if self.tls { "https" } else { "http" };
        let mut name = format!("edgezero-{scheme}-{}-{}", self.host, self.port);
        name.retain(|c| c.is_ascii_graphic());
        name.truncate(255);
        name
    }
}

/// What to declare when the service cannot register dynamic backends.
pub fn declare_fix(origin: &Origin) -> String {
    format!(
        "this Fastly service has no backend `{host}` and cannot register one at run time; declare it in fastly.toml ([setup.backends.\"{host}\"] address = \"{host}\", port = {port}, and [local_server.backends.\"{host}\"] url = \"{scheme}://{target}\" for local runs) or enable dynamic backends for the service",
        host = origin.host,
        port = origin.port,
        scheme = if origin.tls { "https" } else { "http" },
        target = origin.target(),
    )
}

/// Whether a send that failed without saying why (Viceroy reports a backend timeout as a
/// plain error) after `elapsed` is the timeout `limit` passing.
pub fn looks_like_timeout(elapsed: Duration, limit: Duration) -> bool {
    elapsed + Duration::from_millis(50) >= limit
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_of_urls() {
        let o = Origin::of(&"https://api.example.com/x?y".parse().unwrap()).unwrap();
        assert_eq!(o.target(), "api.example.com:443");
        assert_eq!(o.dynamic_name(), "edgezero-https-api.example.com-443");
        let o = Origin::of(&"http://127.0.0.1:8080/".parse().unwrap()).unwrap();
        assert_eq!(
            o,
            Origin {
                host: "127.0.0.1".into(),
                port: 8080,
                tls: false
            }
        );
        let o = Origin::of(&"http://[::1]:9000/".parse().unwrap()).unwrap();
        assert_eq!(o.target(), "[::1]:9000");
        assert!(Origin::of(&"/relative".parse().unwrap()).is_none());
    }

    #[test]
    fn the_fix_names_the_backend_to_declare() {
        let o = Origin::of(&"https://api.example.com/".parse().unwrap()).unwrap();
        let fix = declare_fix(&o);
        assert!(
            fix.contains("[setup.backends.\"api.example.com\"]"),
            "{fix}"
        );
        assert!(
            fix.contains("url = \"https://api.example.com:443\""),
            "{fix}"
        );
    }

    #[test]
    fn timeouts_are_told_by_the_time_taken() {
        let limit = Duration::from_secs(2);
        assert!(looks_like_timeout(Duration::from_millis(1990), limit));
        assert!(!looks_like_timeout(Duration::from_millis(10), limit));
    }
}
