//! Reading `conformance.toml`: the TOML schema (see the crate docs), then the checks that
//! TOML cannot express (adapter names, placeholders used before they are captured, JSON
//! expectations that do not parse), each error naming the file and line.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::Value;
use toml::Spanned;

use crate::adapter::Adapter;
use crate::pattern;
use crate::text::{ExpectHeaders, HeaderExpect, Headers, Text};

/// Placeholders the runner always provides.
pub const BUILTINS: &[&str] = &["server", "server_host"];
/// Placeholders the runner provides when `[setup] origin = true`.
pub const ORIGIN_BUILTINS: &[&str] = &["origin", "origin_host"];

/// A conformance file, read and checked.
#[derive(Debug, Clone)]
pub struct File {
    /// Where it was read from.
    pub path: PathBuf,
    /// The adapters it applies to (`None`: every adapter).
    pub adapters: Option<Vec<Adapter>>,
    /// The top-level session first, then each `[[session]]`: one server each.
    pub sessions: Vec<Session>,
    source: String,
}

/// Requests run against one server, started from empty stores after its setup.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Session {
    /// What the session checks (`None` for the top-level one).
    pub name: Option<String>,
    /// What the runner does before serving.
    #[serde(default)]
    pub setup: Setup,
    /// The requests, in order.
    #[serde(default, rename = "request")]
    pub requests: Vec<Spanned<Request>>,
}

/// `[setup]`: done before the server starts. Values may use `{origin}` / `{origin_host}`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Setup {
    /// Start the loopback origin (`{origin}` = `http://127.0.0.1:<port>`, `{origin_host}`).
    #[serde(default)]
    pub origin: bool,
    /// `EDGEZERO__*` settings for the app (native: its environment; Spin: `--env`).
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    /// Spin variables / secrets by name (`SPIN_VARIABLE_<NAME>` on both adapters).
    #[serde(default)]
    pub variables: BTreeMap<String, String>,
    /// KV entries by store id, then key.
    #[serde(default)]
    pub kv: BTreeMap<String, BTreeMap<String, Text>>,
    /// Config entries by store id, then (dotted) key.
    #[serde(default)]
    pub config: BTreeMap<String, BTreeMap<String, Text>>,
}

/// One `[[request]]`: what to send and what to expect.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Request {
    /// Shown in reports (default: method and path).
    pub name: Option<String>,
    /// The method (default `GET`).
    #[serde(default = "get")]
    pub method: String,
    /// Path and query, sent as written (after placeholders).
    pub path: Option<String>,
    /// Headers besides `host`, `content-length` and `connection: close`, which the runner
    /// adds unless given.
    #[serde(default)]
    pub headers: Headers,
    /// The body.
    pub body: Option<Text>,
    /// Send the body with `transfer-encoding: chunked` (64 KiB chunks).
    #[serde(default)]
    pub chunked: bool,
    /// The whole request as it goes on the wire (for malformed requests); excludes the
    /// other fields but `name`.
    pub raw: Option<String>,
    /// Send this many copies at once, each on its own connection; every answer must match
    /// (and none may capture). Counted as one request.
    #[serde(default = "one")]
    pub parallel: usize,
    /// The expected answer.
    pub expect: Expect,
    /// Per-adapter exceptions: another expectation, or none (`skip`), with the reason.
    #[serde(default)]
    pub except: BTreeMap<String, Exception>,
}

fn get() -> String {
    "GET".into()
}

fn one() -> usize {
    1
}

/// The most copies `parallel` sends.
pub const MAX_PARALLEL: usize = 256;

/// `[request.except.<adapter>]`: where a platform must answer differently.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Exception {
    /// Why the platform differs (required, shown in every report).
    pub reason: String,
    /// The expectation on that adapter, replacing the request's own.
    pub expect: Option<Expect>,
    /// Do not send the request on that adapter.
    #[serde(default)]
    pub skip: bool,
}

/// `[request.expect]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// The status code.
    pub status: u16,
    /// Headers by name (any case): a pattern, patterns in order, or `false` for absent.
    #[serde(default)]
    pub headers: ExpectHeaders,
    /// The whole body: a pattern (text), or exact bytes.
    pub body: Option<Text>,
    /// JSON text; the answer must hold at least what it holds (objects may have more keys).
    #[serde(default, deserialize_with = "json_text")]
    pub json: Option<Value>,
    /// JSON text; the answer must be exactly this (no extra keys anywhere).
    #[serde(default, deserialize_with = "json_text")]
    pub json_exact: Option<Value>,
    /// Texts the body must contain.
    #[serde(default)]
    pub body_contains: Vec<String>,
    /// Texts the body must not contain.
    #[serde(default)]
    pub body_excludes: Vec<String>,
    /// Whether the body must end cleanly (default true); `false` expects a cut body.
    #[serde(default = "yes")]
    pub complete: bool,
    /// How many requests the origin must have seen while this request ran.
    pub origin_requests: Option<usize>,
    /// The body streams: a part arrives while the response is still open.
    pub streams: Option<Streams>,
}

/// `streams = { first = "...", open_ms = N }`: `first` arrives, then the response stays open
/// at least `open_ms` before it ends. A buffered answer, sent whole at the end, fails it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Streams {
    /// Text (placeholders allowed) that must arrive before the response ends.
    pub first: String,
    /// How long, at least, the response stays open after `first` arrived.
    pub open_ms: u64,
}

fn yes() -> bool {
    true
}

fn json_text<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Value>, D::Error> {
    let text = String::deserialize(d)?;
    serde_json::from_str(&text).map(Some).map_err(|e| {
        serde::de::Error::custom(format!(
            "not JSON ({e}); write the expected JSON as a TOML string, e.g. json = '{{\"key\": \"value\"}}'"
        ))
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    adapters: Option<Vec<Spanned<String>>>,
    #[serde(default)]
    setup: Setup,
    #[serde(default, rename = "request")]
    requests: Vec<Spanned<Request>>,
    #[serde(default)]
    session: Vec<Session>,
}

/// A file that cannot be used, with where and why.
#[derive(Debug)]
pub struct FileError(pub String);

impl std::fmt::Display for FileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for FileError {}

impl File {
    /// Reads and checks `path`.
    pub fn load(path: &Path) -> Result<File, FileError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| FileError(format!("{}: cannot read: {e}", path.display())))?;
        File::parse(path, &text)
    }

    /// Checks the text of a file at `path`.
    pub fn parse(path: &Path, text: &str) -> Result<File, FileError> {
        let raw: RawFile = toml::from_str(text).map_err(|e| {
            let at = e
                .span()
                .map(|s| format!(":{}", line_of(text, s.start)))
                .unwrap_or_default();
            FileError(format!(
                "{}{at}: {}",
                path.display(),
                e.message().trim_end()
            ))
        })?;
        let err = |offset: usize, msg: String| {
            FileError(format!(
                "{}:{}: {msg}",
                path.display(),
                line_of(text, offset)
            ))
        };
        let adapters =
            match raw.adapters {
                None => None,
                Some(names) => {
                    let mut out = Vec::new();
                    for name in names {
                        out.push(Adapter::from_name(name.get_ref()).ok_or_else(|| {
                            err(name.span().start, unknown_adapter(name.get_ref()))
                        })?);
                    }
                    Some(out)
                }
            };
        let mut sessions = vec![Session {
            name: None,
            setup: raw.setup,
            requests: raw.requests,
        }];
        sessions.extend(raw.session);
        for session in &sessions {
            check_session(session).map_err(|(offset, msg)| err(offset, msg))?;
        }
        if sessions.iter().all(|s| s.requests.is_empty()) {
            return Err(FileError(format!(
                "{}: no requests: add a [[request]] with a path and an [request.expect] status",
                path.display()
            )));
        }
        Ok(File {
            path: path.to_path_buf(),
            adapters,
            sessions,
            source: text.to_string(),
        })
    }

    /// The line where `request` starts.
    pub fn line(&self, request: &Spanned<Request>) -> usize {
        line_of(&self.source, request.span().start)
    }

    /// Whether the file applies to `adapter`.
    pub fn applies_to(&self, adapter: Adapter) -> bool {
        self.adapters.as_ref().is_none_or(|a| a.contains(&adapter))
    }
}

fn unknown_adapter(name: &str) -> String {
    let known: Vec<&str> = Adapter::ALL.iter().map(|a| a.name()).collect();
    format!(
        "unknown adapter `{name}`; the adapters are {}",
        known.join(", ")
    )
}

/// The 1-based line of byte `offset` in `text`.
pub fn line_of(text: &str, offset: usize) -> usize {
    text.get(..offset)
        .unwrap_or(text)
        .bytes()
        .filter(|b| *b == b'\n')
        .count()
        + 1
}

type Offending = (usize, String);

fn check_session(session: &Session) -> Result<(), Offending> {
    let first = session
        .requests
        .first()
        .map(|r| r.span().start)
        .unwrap_or(0);
    let mut known: BTreeSet<String> = BUILTINS.iter().map(|s| s.to_string()).collect();
    if session.setup.origin {
        known.extend(ORIGIN_BUILTINS.iter().map(|s| s.to_string()));
    }
    let setup_values = session
        .setup
        .env
        .values()
        .chain(session.setup.variables.values())
        .map(String::as_str)
        .chain(
            session
                .setup
                .kv
                .values()
                .chain(session.setup.config.values())
                .flat_map(|m| m.values().filter_map(Text::plain)),
        );
    for value in setup_values {
        if let Some(name) = pattern::names(value)
            .into_iter()
            .find(|n| !known.contains(n))
        {
            return Err((
                first,
                format!("[setup] uses {{{name}}}, which is not built in (setup can use {{origin}} and {{origin_host}} with origin = true)"),
            ));
        }
    }
    for request in &session.requests {
        let at = request.span().start;
        let r = request.get_ref();
        check_request(r).map_err(|msg| (at, msg))?;
        for name in request_uses(r) {
            if !known.contains(&name) {
                return Err((
                    at,
                    format!(
                        "{} uses {{{name}}}, which no earlier request captures; capture it in an earlier expect (e.g. json = '{{\"id\": \"{{{name}}}\"}}') or use a built-in ({})",
                        describe(r),
                        known_list(session.setup.origin)
                    ),
                ));
            }
        }
        for expect in
            std::iter::once(&r.expect).chain(r.except.values().filter_map(|e| e.expect.as_ref()))
        {
            if expect.origin_requests.is_some() && !session.setup.origin {
                return Err((
                    at,
                    format!(
                        "{}: `origin_requests` needs `origin = true` in [setup]",
                        describe(r)
                    ),
                ));
            }
            let captured = captures(expect);
            if r.parallel > 1 {
                if let Some(name) = captured.iter().find(|n| !known.contains(*n)) {
                    return Err((
                        at,
                        format!("{}: the copies of a `parallel` request cannot capture {{{name}}}; use {{*}}, or capture it in a request of its own", describe(r)),
                    ));
                }
            }
            known.extend(captured);
        }
    }
    Ok(())
}

fn known_list(origin: bool) -> String {
    let mut names: Vec<String> = BUILTINS.iter().map(|n| format!("{{{n}}}")).collect();
    if origin {
        names.extend(ORIGIN_BUILTINS.iter().map(|n| format!("{{{n}}}")));
    }
    names.join(", ")
}

/// `name`, or `METHOD path`.
pub fn describe(r: &Request) -> String {
    match (&r.name, &r.raw, &r.path) {
        (Some(n), _, _) => format!("request \"{n}\""),
        (None, Some(_), _) => "a raw request".to_string(),
        (None, None, path) => format!("{} {}", r.method, path.as_deref().unwrap_or("")),
    }
}

/// The request's name, or `METHOD path`: how reports title it.
pub fn title(r: &Request) -> String {
    match (&r.name, &r.raw, &r.path) {
        (Some(n), _, _) => n.clone(),
        (None, Some(_), _) => "raw request".to_string(),
        (None, None, path) => format!("{} {}", r.method, path.as_deref().unwrap_or("")),
    }
}

fn check_request(r: &Request) -> Result<(), String> {
    let what = describe(r);
    if r.raw.is_some() {
        if r.path.is_some() || r.body.is_some() || !r.headers.0.is_empty() || r.chunked {
            return Err(format!(
                "{what}: `raw` is the whole request; leave out path, headers, body and chunked"
            ));
        }
    } else {
        match r.path.as_deref() {
            Some(p) if p.starts_with('/') => {}
            Some(p) => return Err(format!("{what}: path `{p}` must start with `/`")),
            None => return Err(format!("{what}: add a `path` (or `raw`)")),
        }
        if r.path
            .as_deref()
            .is_some_and(|p| p.chars().any(|c| c.is_whitespace() || c.is_control()))
        {
            return Err(format!(
                "{what}: the path must not contain spaces or control characters (use %20 or `raw`)"
            ));
        }
        let token = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c);
        if r.method.is_empty() || !r.method.chars().all(token) {
            return Err(format!("{what}: `{}` is not an HTTP method", r.method));
        }
        if r.chunked && r.body.is_none() {
            return Err(format!("{what}: `chunked = true` needs a body"));
        }
    }
    if !(1..=MAX_PARALLEL).contains(&r.parallel) {
        return Err(format!("{what}: `parallel` must be 1 to {MAX_PARALLEL}"));
    }
    for (adapter, e) in &r.except {
        if Adapter::from_name(adapter).is_none() {
            return Err(format!(
                "{what}: [except.{adapter}]: {}",
                unknown_adapter(adapter)
            ));
        }
        if e.reason.trim().is_empty() {
            return Err(format!(
                "{what}: [except.{adapter}] needs a `reason` saying why {adapter} answers differently"
            ));
        }
        if e.skip == e.expect.is_some() {
            return Err(format!(
                "{what}: [except.{adapter}] needs either an `expect` table or `skip = true`"
            ));
        }
    }
    for expect in
        std::iter::once(&r.expect).chain(r.except.values().filter_map(|e| e.expect.as_ref()))
    {
        if !(100..=599).contains(&expect.status) {
            return Err(format!(
                "{what}: status {} is not an HTTP status",
                expect.status
            ));
        }
        if expect.json.is_some() && expect.json_exact.is_some() {
            return Err(format!("{what}: give `json` or `json_exact`, not both"));
        }
        if expect.body.is_some() && (expect.json.is_some() || expect.json_exact.is_some()) {
            return Err(format!(
                "{what}: give `body` or a JSON expectation, not both"
            ));
        }
    }
    Ok(())
}

/// The placeholder names a request sends or needs before its answer arrives.
fn request_uses(r: &Request) -> Vec<String> {
    let mut uses = Vec::new();
    let mut add = |s: &str| uses.extend(pattern::names(s));
    if let Some(p) = &r.path {
        add(p);
    }
    if let Some(raw) = &r.raw {
        add(raw);
    }
    for (_, values) in &r.headers.0 {
        values.iter().filter_map(Text::plain).for_each(&mut add);
    }
    if let Some(b) = r.body.as_ref().and_then(Text::plain) {
        add(b);
    }
    for expect in
        std::iter::once(&r.expect).chain(r.except.values().filter_map(|e| e.expect.as_ref()))
    {
        expect
            .body_contains
            .iter()
            .chain(&expect.body_excludes)
            .for_each(|s| add(s));
        if let Some(v) = expect.json.as_ref().or(expect.json_exact.as_ref()) {
            json_keys(v, &mut add);
        }
    }
    uses
}

fn json_keys(v: &Value, add: &mut impl FnMut(&str)) {
    match v {
        Value::Object(m) => m.iter().for_each(|(k, v)| {
            add(k);
            json_keys(v, add);
        }),
        Value::Array(a) => a.iter().for_each(|v| json_keys(v, add)),
        _ => {}
    }
}

/// The names an expectation can capture.
pub fn captures(expect: &Expect) -> Vec<String> {
    let mut out = Vec::new();
    for (_, h) in &expect.headers.0 {
        if let HeaderExpect::Values(values) = h {
            values.iter().for_each(|v| out.extend(pattern::names(v)));
        }
    }
    if let Some(b) = expect.body.as_ref().and_then(Text::plain) {
        out.extend(pattern::names(b));
    }
    fn json_values(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::String(s) => out.extend(pattern::names(s)),
            Value::Object(m) => m.values().for_each(|v| json_values(v, out)),
            Value::Array(a) => a.iter().for_each(|v| json_values(v, out)),
            _ => {}
        }
    }
    if let Some(v) = expect.json.as_ref().or(expect.json_exact.as_ref()) {
        json_values(v, &mut out);
    }
    out
}

#[cfg(test)]
mod tests;
