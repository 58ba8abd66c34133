//! Running one example's file on one adapter: for each session, fresh stores in a temporary
//! directory, the setup, `edgezero serve`, then every request in order, each reported.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use edgezero_test_support::origin::Origin;
use serde_json::Value;

use crate::adapter::{Adapter, Prepared, StoreKind};
use crate::expect::compare;
use crate::file::{title, Expect, File, Request, Session};
use crate::http::{self, Outgoing};
use crate::pattern::{Bindings, Unbound};
use crate::report;
use crate::server::{free_addr, Server};

/// How to run.
#[derive(Debug, Clone)]
pub struct Options {
    /// The platform.
    pub adapter: Adapter,
    /// The `edgezero` binary.
    pub edgezero: PathBuf,
    /// Let `edgezero serve` build Spin components first (once per example).
    pub build: bool,
    /// How long a server may take to start (a first native run compiles).
    pub wait: Duration,
    /// How long one answer may take.
    pub timeout: Duration,
}

/// Counts of one run, one per request.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    /// Requests whose answer matched.
    pub passed: usize,
    /// Requests whose answer did not match, or that could not be sent.
    pub failed: usize,
    /// Requests an exception skips on this adapter.
    pub skipped: usize,
    /// Something could not start (a bad file, a server that would not serve).
    pub broken: bool,
}

impl std::ops::AddAssign for Tally {
    fn add_assign(&mut self, o: Tally) {
        self.passed += o.passed;
        self.failed += o.failed;
        self.skipped += o.skipped;
        self.broken |= o.broken;
    }
}

/// Runs `dir/conformance.toml` against `dir/edgezero.toml`, writing the report to `out`.
pub fn run_example(dir: &Path, opts: &Options, out: &mut dyn Write) -> Tally {
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| dir.display().to_string());
    let adapter = opts.adapter.name();
    let file = match File::load(&dir.join("conformance.toml")) {
        Ok(f) => f,
        Err(e) => {
            let _ = writeln!(out, "== {name} ({adapter})\nerror: {e}");
            return Tally {
                broken: true,
                ..Tally::default()
            };
        }
    };
    if !file.applies_to(opts.adapter) {
        let only: Vec<&str> = file.adapters.iter().flatten().map(|a| a.name()).collect();
        let _ = writeln!(
            out,
            "== {name} ({adapter}): not run, the file applies to {} only",
            only.join(", ")
        );
        return Tally::default();
    }
    let _ = writeln!(out, "== {name} ({adapter})");
    let started = Instant::now();
    let mut tally = Tally::default();
    let manifest = match dir.join("edgezero.toml").canonicalize() {
        Ok(m) => m,
        Err(e) => {
            let _ = writeln!(out, "error: {}/edgezero.toml: {e}", dir.display());
            tally.broken = true;
            return tally;
        }
    };
    for (i, session) in file.sessions.iter().enumerate() {
        if session.requests.is_empty() {
            continue;
        }
        if let Some(n) = &session.name {
            let _ = writeln!(out, "  -- session: {n}");
        }
        let build = opts.build && i == 0;
        tally += run_session(&file, session, &manifest, build, opts, out);
    }
    let _ = writeln!(
        out,
        "   {name} ({adapter}): {} passed, {} failed{} in {:.1}s",
        tally.passed,
        tally.failed,
        if tally.skipped > 0 {
            format!(", {} skipped by exceptions", tally.skipped)
        } else {
            String::new()
        },
        started.elapsed().as_secs_f64()
    );
    tally
}

/// What a request's outcome depends on: the expectation for this adapter, or the reason it
/// is skipped here.
fn effective(r: &Request, adapter: Adapter) -> (Option<&Expect>, Option<&str>) {
    match r.except.get(adapter.name()) {
        Some(e) if e.skip => (None, Some(&e.reason)),
        Some(e) => (e.expect.as_ref(), Some(&e.reason)),
        None => (Some(&r.expect), None),
    }
}

fn run_session(
    file: &File,
    session: &Session,
    manifest: &Path,
    build: bool,
    opts: &Options,
    out: &mut dyn Write,
) -> Tally {
    let mut tally = Tally::default();
    let runnable = session
        .requests
        .iter()
        .filter(|r| effective(r.get_ref(), opts.adapter).0.is_some())
        .count();
    let fail_all = |tally: &mut Tally, out: &mut dyn Write, e: anyhow::Error| {
        let _ = writeln!(out, "error: {e:#}");
        let _ = writeln!(
            out,
            "  FAIL all {runnable} request(s) of this session: not run"
        );
        tally.failed += runnable;
        tally.broken = true;
    };
    let state = match tempfile::Builder::new()
        .prefix("edgezero-conformance-")
        .tempdir()
    {
        Ok(d) => d,
        Err(e) => {
            fail_all(&mut tally, out, e.into());
            return tally;
        }
    };
    let origin = session.setup.origin.then(Origin::start);
    let (server, mut bindings) = match start(
        session,
        manifest,
        state.path(),
        origin.as_ref(),
        build,
        opts,
    ) {
        Ok(s) => s,
        Err(e) => {
            fail_all(&mut tally, out, e);
            return tally;
        }
    };
    let mut server = server;
    for (n, spanned) in session.requests.iter().enumerate() {
        let r = spanned.get_ref();
        let line = file.line(spanned);
        let label = format!("#{} {} (line {line})", n + 1, title(r));
        let (expect, reason) = effective(r, opts.adapter);
        let Some(expect) = expect else {
            tally.skipped += 1;
            let _ = writeln!(
                out,
                "  skip {label}: exception on {}: {}",
                opts.adapter.name(),
                reason.unwrap_or_default()
            );
            continue;
        };
        let outgoing = match outgoing(r, &bindings) {
            Ok(o) => o,
            Err(e) => {
                tally.failed += 1;
                let _ = writeln!(out, "  FAIL {label}\n       {e}");
                continue;
            }
        };
        let before = origin.as_ref().map(Origin::requests);
        let sent_at = Instant::now();
        let answers = send_copies(server.addr, &outgoing, r.parallel, opts.timeout);
        let took = sent_at.elapsed();
        let seen = origin.as_ref().map(Origin::requests);
        let delta = before.zip(seen).map(|(b, s)| s - b);
        let sent = report::indent(&report::request(&outgoing, server.addr), 17);
        let note = reason
            .map(|why| format!(" [exception on {}: {why}]", opts.adapter.name()))
            .unwrap_or_default();
        match answers {
            Ok(answers) => {
                let (answer, outcome) = judge(expect, answers, &bindings, delta);
                bindings.extend(outcome.captured);
                if outcome.mismatches.is_empty() {
                    tally.passed += 1;
                    let slow = if took > Duration::from_millis(500) {
                        format!(" ({:.1}s)", took.as_secs_f64())
                    } else {
                        String::new()
                    };
                    let _ = writeln!(out, "  ok   {label}{slow}{note}");
                } else {
                    tally.failed += 1;
                    let _ = writeln!(
                        out,
                        "  FAIL {label}{note}\n       request:  {sent}\n       expected: {}\n       actual:   {}\n       differences:\n{}",
                        report::indent(&report::expected(expect), 17),
                        report::indent(&report::actual(&answer), 17),
                        outcome
                            .mismatches
                            .iter()
                            .map(|m| format!("         - {m}"))
                            .collect::<Vec<_>>()
                            .join("\n")
                    );
                }
            }
            Err(e) => {
                tally.failed += 1;
                let _ = writeln!(
                    out,
                    "  FAIL {label}{note}\n       request:  {sent}\n       expected: {}\n       actual:   no answer: {e}",
                    report::indent(&report::expected(expect), 17)
                );
            }
        }
        if !server.running() {
            let left = session.requests[n + 1..]
                .iter()
                .filter(|r| effective(r.get_ref(), opts.adapter).0.is_some())
                .count();
            let _ = writeln!(
                out,
                "error: the server exited; {left} request(s) not run:\n{}",
                server.log_tail(40)
            );
            tally.failed += left;
            tally.broken = true;
            break;
        }
    }
    drop(server);
    tally
}

/// Sends `copies` copies of `out` at once (one connection each); the first error ends it.
fn send_copies(
    addr: std::net::SocketAddr,
    out: &Outgoing,
    copies: usize,
    timeout: Duration,
) -> std::io::Result<Vec<http::Answer>> {
    if copies == 1 {
        return http::send(addr, out, timeout).map(|a| vec![a]);
    }
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..copies)
            .map(|_| s.spawn(|| http::send(addr, out, timeout)))
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(std::io::Error::other("the sending thread failed")))
            })
            .collect()
    })
}

/// Compares every answer; for several copies, the first that does not match is reported,
/// with how many did not.
fn judge(
    expect: &Expect,
    answers: Vec<http::Answer>,
    bindings: &Bindings,
    origin: Option<usize>,
) -> (http::Answer, crate::expect::Outcome) {
    let total = answers.len();
    let mut judged: Vec<_> = answers
        .into_iter()
        .map(|a| {
            let o = compare(expect, &a, bindings, origin);
            (a, o)
        })
        .collect();
    let bad = judged
        .iter()
        .filter(|(_, o)| !o.mismatches.is_empty())
        .count();
    let at = judged
        .iter()
        .position(|(_, o)| !o.mismatches.is_empty())
        .unwrap_or(0);
    let (answer, mut outcome) = judged.swap_remove(at);
    if total > 1 && bad > 0 {
        outcome.mismatches.insert(
            0,
            format!("{bad} of the {total} copies sent at once did not match; the first:"),
        );
    }
    (answer, outcome)
}

/// Writes the setup, starts the server, and returns it with the built-in placeholders.
fn start(
    session: &Session,
    manifest: &Path,
    state: &Path,
    origin: Option<&Origin>,
    build: bool,
    opts: &Options,
) -> Result<(Server, Bindings)> {
    let addr = free_addr()?;
    let mut bindings = Bindings::default();
    bindings.insert("server", Value::String(format!("http://{addr}")));
    bindings.insert("server_host", Value::String(addr.to_string()));
    if let Some(o) = origin {
        bindings.insert("origin", Value::String(o.base_url()));
        bindings.insert("origin_host", Value::String(o.addr().to_string()));
    }
    let setup = &session.setup;
    let sub = |s: &String| {
        bindings
            .substitute(s)
            .map_err(|e| anyhow::anyhow!("[setup]: {e}"))
    };
    let mut prepared = Prepared::default();
    for (k, v) in &setup.env {
        prepared.env.push((k.clone(), sub(v)?));
    }
    for (k, v) in &setup.variables {
        prepared.variables.push((k.clone(), sub(v)?));
    }
    for (kind, stores) in [
        (StoreKind::Kv, &setup.kv),
        (StoreKind::Config, &setup.config),
    ] {
        for (id, entries) in stores {
            for (key, value) in entries {
                let bytes = value
                    .bytes(&bindings)
                    .map_err(|e| anyhow::anyhow!("[setup] {id}.{key}: {e}"))?;
                prepared.rows.push((kind, id.clone(), key.clone(), bytes));
            }
        }
    }
    let plan = opts
        .adapter
        .prepare(manifest, state, addr, &prepared, build)
        .context("cannot prepare the session's stores")?;
    let log = state.join("serve.log");
    let server = Server::start(&opts.edgezero, &plan, state, addr, log, opts.wait)?;
    Ok((server, bindings))
}

/// The request of `r`, placeholders replaced.
fn outgoing(r: &Request, b: &Bindings) -> Result<Outgoing, Unbound> {
    if let Some(raw) = &r.raw {
        return Ok(Outgoing::Raw(b.substitute(raw)?.into_bytes()));
    }
    let mut headers = Vec::new();
    for (name, values) in &r.headers.0 {
        for v in values {
            headers.push((name.clone(), v.bytes(b)?));
        }
    }
    Ok(Outgoing::Parts {
        method: r.method.clone(),
        target: b.substitute(r.path.as_deref().unwrap_or("/"))?,
        headers,
        body: r
            .body
            .as_ref()
            .map(|t| t.bytes(b))
            .transpose()?
            .unwrap_or_default(),
        chunked: r.chunked,
    })
}
