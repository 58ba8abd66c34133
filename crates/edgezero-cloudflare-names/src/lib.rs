//! Cloudflare Workers' rules and figures, in one place for the Cloudflare adapter (compiled
//! into every worker) and the `edgezero` CLI (which writes `wrangler.toml` and runs the
//! local runtime).
//!
//! - A store id's **binding** is the id, or `EDGEZERO__STORES__<KIND>__<ID>__NAME` when set
//!   (the rule every platform shares, `edgezero_env::resolve_store_name`).
//! - A KV id is bound either to a **Workers KV namespace** (eventually consistent, no atomic
//!   operations) or to the **atomic store** the adapter ships: the Durable Object class
//!   [`ATOMIC_KV_CLASS`], one object per binding, whose SQLite storage makes `increment`,
//!   `compare_and_swap` and batches exact. The adapter tells them apart by the binding's
//!   type, so `wrangler.toml` alone decides.
//! - A secret `name` is the Worker secret [`secret_binding`]`(name)`: the name upper-cased.
//! - **Workers KV limits** (Cloudflare's documentation, "KV limits"): keys up to
//!   [`KV_MAX_KEY_BYTES`], values up to [`KV_MAX_VALUE_BYTES`], an `expirationTtl` of at least
//!   [`KV_MIN_TTL_SECS`], at most [`KV_MAX_LIST_LIMIT`] keys per list call.

/// The Durable Object class that backs atomic KV ids (exported by every EdgeZero worker).
pub const ATOMIC_KV_CLASS: &str = "EdgeZeroAtomicKv";

/// The migration tag under which `wrangler.toml` declares [`ATOMIC_KV_CLASS`] as a
/// SQLite-backed class (`new_sqlite_classes`).
pub const ATOMIC_KV_MIGRATION: &str = "edgezero-atomic-kv-v1";

/// The name every atomic store's one object is addressed by (`idFromName`).
pub const ATOMIC_KV_OBJECT: &str = "edgezero";

/// Longest Workers KV key, in bytes.
pub const KV_MAX_KEY_BYTES: usize = 512;

/// Largest Workers KV value, in bytes (25 MiB).
pub const KV_MAX_VALUE_BYTES: usize = 25 * 1024 * 1024;

/// Shortest `expirationTtl` Workers KV accepts, in seconds.
pub const KV_MIN_TTL_SECS: u64 = 60;

/// Most keys one Workers KV list call returns.
pub const KV_MAX_LIST_LIMIT: usize = 1000;

/// The `compatibility_date` the scaffold and the local runtime use: the newest date the
/// pinned local runtime (`workerd` of miniflare [`MINIFLARE_VERSION`]) supports.
pub const COMPATIBILITY_DATE: &str = "2025-07-18";

/// The npm version of miniflare that `edgezero serve --adapter cloudflare` runs (it brings
/// the matching `workerd` binary). Miniflare 3 runs on Node 16.13 and later.
pub const MINIFLARE_VERSION: &str = "3.20250718.3";

/// The Worker secret (or var) that holds secret `name`: the name upper-cased, as Workers
/// secrets are conventionally written (`api_token` and `API_TOKEN` are both `API_TOKEN`).
pub fn secret_binding(name: &str) -> String {
    name.to_ascii_uppercase()
}

/// The `id` of a `[[kv_namespaces]]` stanza that `edgezero provision --adapter cloudflare`
/// has yet to create (the scaffold writes it; the local runtime does not need a real id).
pub const UNPROVISIONED_ID: &str = "to-be-provisioned";

/// The file of secrets for local runs (wrangler's convention): `NAME=value` lines.
pub const DEV_VARS_FILE: &str = ".dev.vars";
