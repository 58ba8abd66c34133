//! # Conformance files: one per example, the same for every adapter
//!
//! `examples/<name>/conformance.toml` lists requests and the answers the example must give,
//! whatever platform serves it. The runner serves the example with the real CLI
//! (`edgezero serve --adapter <A> --manifest examples/<name>/edgezero.toml --listen
//! 127.0.0.1:<free port>`), waits until it accepts connections, sends each request in order
//! over plain HTTP/1.1 and reports every mismatch with the request, the expected and the
//! actual answer. `scripts/conformance.sh <adapter> [example...]` runs it and ends with
//! `N passed, M failed` (one count per request).
//!
//! ```toml
//! # adapters = ["spin"]          # optional: the adapters the file applies to (default: all)
//!
//! [setup]                        # optional: done before the server starts
//! origin = true                  # start a loopback origin: {origin}, {origin_host}
//! env = { EDGEZERO__HTTP__TIMEOUT_MS = "2000" }   # settings (native: env; Spin: --env)
//! variables = { api_token = "s3cret" }            # Spin variables (natively SPIN_VARIABLE_*)
//! kv.default = { kv-credentials = "admin:secret" } # KV entries by store id, then key
//! config.app_config = { "origin.base_url" = "{origin}" } # config entries by store id
//!
//! [[request]]
//! name = "create a link"         # optional; default "METHOD path"
//! method = "POST"                # default GET
//! path = "/create"               # sent as written, placeholders replaced
//! headers = { content-type = "application/json" }  # a list sends the header several times
//! body = '{"url": "https://example.com/a"}'
//! [request.expect]
//! status = 200
//! json = '{"short": "{short}", "url": "https://example.com/a"}'
//!
//! [[request]]
//! path = "/{short}"
//! expect = { status = 308, headers = { location = "https://example.com/a" } }
//!
//! [[request]]
//! method = "PUT"
//! path = "/kv/t?ttl=120"
//! body = "v"
//! expect = { status = 201 }
//! [request.except.spin]          # a named, documented platform difference
//! reason = "Spin's key-value API has no TTL: the write is refused with 501"
//! expect = { status = 501 }
//!
//! [[session]]                    # another server, from empty stores, with its own setup
//! name = "without credentials"
//! [[session.request]]
//! path = "/internal/kv-explorer/api/keys"
//! expect = { status = 403 }
//! ```
//!
//! ## Requests
//!
//! | key | meaning |
//! |---|---|
//! | `name` | shown in reports |
//! | `method`, `path` | request line; `path` must start with `/` |
//! | `headers` | name = value, or a list of values sent in order; the runner adds `host`, `content-length` (or `transfer-encoding: chunked`) and `connection: close` unless given |
//! | `body` | a string, `{ base64 = "..." }` for bytes, or `{ repeat = "x", count = N }` |
//! | `chunked` | send the body in 64 KiB chunks |
//! | `raw` | the whole request, bytes as written (malformed requests); excludes the keys above |
//! | `parallel` | send N copies at once, one connection each; every answer must match and none may capture (one count) |
//! | `expect` | the answer (below) |
//! | `except.<adapter>` | `reason` (required) and either `expect` (replaces the request's own on that adapter) or `skip = true` |
//!
//! ## Expected answers
//!
//! | key | meaning |
//! |---|---|
//! | `status` | required |
//! | `headers` | by name, any case: a pattern (exactly one value), a list (these values in this order), or `false` (absent) |
//! | `body` | the whole body: a pattern, or `{ base64 = ... }` / `{ repeat = ... }` bytes |
//! | `json` | JSON text; the answer holds at least this: objects may have more keys, arrays are compared element by element, and an array ending with `"{...}"` only needs to contain the others, in any order |
//! | `json_exact` | as `json`, but objects may not have more keys |
//! | `body_contains`, `body_excludes` | texts the body must (not) contain |
//! | `complete` | `false` when the body must be cut short (default `true`: a cut body is a mismatch) |
//! | `origin_requests` | how many requests reached the origin while this one (all its copies) ran |
//! | `streams` | `{ first = "text", open_ms = N }`: `first` arrives, and the body then stays open at least N ms before it ends (a streamed answer, such as Server-Sent Events; an answer buffered and sent whole at the end fails) |
//!
//! ## Placeholders
//!
//! In every string, `{name}` is a value that legitimately varies: the first answer that
//! matches it captures it (a whole JSON value when it is the whole string, else text), and
//! every later use must equal it or, in a request, sends it. `{*}` accepts anything;
//! `{{` is a literal `{`; other braces (`{"a": 1}`) are literal text. Built in: `{server}`
//! (`http://127.0.0.1:<port>`), `{server_host}`, and with `origin = true` `{origin}`,
//! `{origin_host}`. A placeholder a request sends before any answer captured it is an error
//! when the file is read, naming the line.
//!
//! ## State
//!
//! Every session starts from empty stores in a temporary directory, so runs do not depend
//! on each other and nothing is written into the repository: natively the KV file is
//! `EDGEZERO__ADAPTER__KV_PATH`; on Spin `--state-dir` holds `default` and a copy of the
//! example's `runtime-config.toml` puts its SQLite stores next to it. The per-platform
//! knowledge is all in [`adapter`].

#![warn(missing_docs)]

pub mod adapter;
pub mod expect;
pub mod file;
pub mod http;
pub mod pattern;
pub mod report;
pub mod runner;
pub mod server;
pub mod text;

pub use adapter::Adapter;
pub use file::File;
pub use runner::{run_example, Options, Tally};
