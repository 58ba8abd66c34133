//! How a mismatch is shown: the request as sent, the expectation, the answer as received,
//! and each difference.

use crate::expect::shorten;
use crate::file::Expect;
use crate::http::{Answer, Outgoing};
use crate::text::HeaderExpect;

/// The request as it went on the wire (head as text, body summarised).
pub fn request(out: &Outgoing, addr: std::net::SocketAddr) -> String {
    let (head, frames) = crate::http::encode(out, addr);
    let body: Vec<u8> = frames.concat();
    let mut s = String::from_utf8_lossy(&head)
        .trim_end()
        .replace("\r\n", "\n");
    if !body.is_empty() {
        s.push('\n');
        s.push_str(&body_text(&body));
    }
    s
}

/// The expectation on one line per part.
pub fn expected(e: &Expect) -> String {
    let mut lines = vec![format!("status {}", e.status)];
    for (name, want) in &e.headers.0 {
        lines.push(match want {
            HeaderExpect::Absent => format!("{name}: (absent)"),
            HeaderExpect::Values(v) if v.len() == 1 => format!("{name}: {}", v[0]),
            HeaderExpect::Values(v) => format!("{name}: {v:?}"),
        });
    }
    if let Some(b) = &e.body {
        lines.push(format!("body {}", shorten(&b.describe())));
    }
    if let Some(j) = &e.json {
        lines.push(format!("json (at least) {}", shorten(&j.to_string())));
    }
    if let Some(j) = &e.json_exact {
        lines.push(format!("json (exactly) {}", shorten(&j.to_string())));
    }
    for c in &e.body_contains {
        lines.push(format!("body contains {c:?}"));
    }
    for c in &e.body_excludes {
        lines.push(format!("body does not contain {c:?}"));
    }
    if !e.complete {
        lines.push("body cut short".into());
    }
    if let Some(n) = e.origin_requests {
        lines.push(format!("{n} request(s) reach the origin"));
    }
    if let Some(s) = &e.streams {
        lines.push(format!(
            "streamed: {:?} arrives, then the body stays open {} ms or more",
            s.first, s.open_ms
        ));
    }
    lines.join("\n")
}

/// The answer: status, headers, body.
pub fn actual(a: &Answer) -> String {
    let mut s = format!("status {}", a.status);
    for (k, v) in &a.headers {
        s.push_str(&format!("\n{k}: {}", shorten(v)));
    }
    if !a.body.is_empty() {
        s.push('\n');
        s.push_str(&body_text(&a.body));
    }
    if !a.complete {
        s.push_str("\n(body cut short)");
    }
    if a.arrivals.len() > 1 {
        let parts: Vec<String> = a
            .arrivals
            .iter()
            .map(|(len, at)| format!("{len} B at {} ms", at.as_millis()))
            .collect();
        s.push_str(&format!(
            "\n(arrived: {}; ended at {} ms)",
            shorten(&parts.join(", ")),
            a.ended.as_millis()
        ));
    }
    s
}

fn body_text(body: &[u8]) -> String {
    match std::str::from_utf8(body) {
        Ok(t) => shorten(t),
        Err(_) => format!("({} bytes, not UTF-8)", body.len()),
    }
}

/// `text` with every line after the first indented by `indent` spaces.
pub fn indent(text: &str, indent: usize) -> String {
    text.replace('\n', &format!("\n{}", " ".repeat(indent)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::{ExpectHeaders, Text};

    #[test]
    fn a_mismatch_shows_request_expectation_and_answer() {
        let out = Outgoing::Parts {
            method: "GET".into(),
            target: "/abc12".into(),
            headers: vec![],
            body: Vec::new(),
            chunked: false,
        };
        let addr = "127.0.0.1:9".parse().unwrap();
        assert_eq!(
            request(&out, addr),
            "GET /abc12 HTTP/1.1\nhost: 127.0.0.1:9\nconnection: close"
        );
        let e = Expect {
            status: 308,
            headers: ExpectHeaders(vec![
                (
                    "location".into(),
                    HeaderExpect::Values(vec!["https://e.com/".into()]),
                ),
                ("x-gone".into(), HeaderExpect::Absent),
            ]),
            body: Some(Text::Plain("moved".into())),
            json: None,
            json_exact: None,
            body_contains: vec![],
            body_excludes: vec!["secret".into()],
            complete: true,
            origin_requests: Some(0),
            streams: None,
        };
        assert_eq!(
            expected(&e),
            "status 308\nlocation: https://e.com/\nx-gone: (absent)\nbody moved\nbody does not contain \"secret\"\n0 request(s) reach the origin"
        );
        let a = Answer {
            status: 404,
            headers: vec![("content-type".into(), "application/json".into())],
            body: br#"{"error":"no"}"#.to_vec(),
            complete: false,
            ..Answer::default()
        };
        assert_eq!(
            actual(&a),
            "status 404\ncontent-type: application/json\n{\"error\":\"no\"}\n(body cut short)"
        );
        assert_eq!(indent("a\nb", 2), "a\n  b");
    }
}
