//! Fastly Compute's rules and figures, in one place for the Fastly adapter (compiled into
//! every app) and the `edgezero` CLI (which writes `fastly.toml`, runs Viceroy and pushes
//! config).
//!
//! - A store id's **name** on Fastly (its KV Store, Config Store or Secret Store) is the id,
//!   or `EDGEZERO__STORES__<KIND>__<ID>__NAME` when set (the rule every platform shares,
//!   `edgezero_env::resolve_store_name`). [`check_store_name`] is Fastly's rule for names.
//! - A secret `name` is the Secret Store entry [`secret_entry`]`(name)`: the name lower-cased.
//! - `EDGEZERO__*` settings are entries of the Config Store [`SETTINGS_STORE`] (a Fastly app
//!   has no environment of its own); without that store every setting has its default.
//! - **KV keys** follow [`kv_key_problem`] (Fastly's documented rules and the stricter ones
//!   of its local runtime, Viceroy), up to [`KV_MAX_KEY_BYTES`]; values up to
//!   [`KV_MAX_VALUE_BYTES`].
//! - **Config Stores** cannot be listed: [`ENTRIES_KEY`] holds every entry of a store as one
//!   JSON object (split over numbered entries past [`CONFIG_MAX_VALUE_CHARS`]), written by
//!   `edgezero config push --adapter fastly` next to the entries themselves, so a typed
//!   config is read with one or a few lookups.
//! - `edgezero serve --adapter fastly` runs the app under Viceroy [`VICEROY_VERSION`] and
//!   declares the backend [`LOCAL_STATE_BACKEND`], through which the adapter reports every
//!   KV write so that the local stores outlive a restart. Deployed apps have no such
//!   backend and report nothing.
//! - Programs are linked with an initial heap of [`INITIAL_HEAP_BYTES`], so that a request
//!   (each a fresh instance) does not grow the memory on every run.

/// The Config Store that holds an app's `EDGEZERO__*` settings (key = the variable's name).
pub const SETTINGS_STORE: &str = "edgezero_settings";

/// The backend `edgezero serve --adapter fastly` declares for the local state (KV writes
/// reported by the adapter, so that they outlive Viceroy).
pub const LOCAL_STATE_BACKEND: &str = "edgezero_local_state";

/// The Viceroy release the CLI and CI run (`cargo install viceroy --locked --version ...`).
pub const VICEROY_VERSION: &str = "0.22.0";

/// The target Fastly Compute runs.
pub const TARGET: &str = "wasm32-wasip1";

/// The heap a program starts with, in bytes (wasm-ld's `--initial-heap`, passed by
/// `edgezero build --adapter fastly`). Fastly runs a fresh instance of the program for each
/// request, so a request that outgrows the initial memory pays a `memory.grow` every time
/// (a mapping change in the runtime, then its undoing): by default the linker leaves only
/// what remains of the last 64 KiB page after the stack and the data, a few KiB. Pages the
/// request does not touch cost nothing.
pub const INITIAL_HEAP_BYTES: u32 = 256 * 1024;

/// Longest KV key, in bytes.
pub const KV_MAX_KEY_BYTES: usize = 1024;

/// Largest KV value, in bytes (Fastly's default limit, 25 MB).
pub const KV_MAX_VALUE_BYTES: usize = 25_000_000;

/// Most keys one KV list call returns here.
pub const KV_LIST_LIMIT: u32 = 1000;

/// Longest Config Store key, in characters.
pub const CONFIG_MAX_KEY_CHARS: usize = 255;

/// Longest Config Store value, in characters.
pub const CONFIG_MAX_VALUE_CHARS: usize = 8000;

/// Longest store name (KV, Config and Secret Stores), in bytes.
pub const STORE_NAME_MAX_BYTES: usize = 255;

/// The Secret Store entry that holds secret `name`: the name in lower case, as Spin
/// variables are written (`API_TOKEN` and `api_token` are both `api_token`), so that a
/// config entry naming a secret reads the same secret on every platform.
pub fn secret_entry(name: &str) -> String {
    name.to_ascii_lowercase()
}

/// The Config Store entry that lists every entry of the store (see the crate docs).
pub const ENTRIES_KEY: &str = "edgezero.entries";

/// Why `key` cannot be a Fastly KV key, or `None` when it can: at most [`KV_MAX_KEY_BYTES`]
/// bytes, not empty, no CR, LF, `#`, `;`, `?`, `^` or `|`, no `.` or `..` path segment, not
/// under `.well-known/acme-challenge`.
pub fn kv_key_problem(key: &str) -> Option<String> {
    if key.is_empty() {
        return Some("a Fastly KV key must not be empty".into());
    }
    if key.len() > KV_MAX_KEY_BYTES {
        return Some(format!(
            "key is {} bytes long; Fastly KV keys are at most {KV_MAX_KEY_BYTES} bytes",
            key.len()
        ));
    }
    if let Some(c) = key
        .chars()
        .find(|c| matches!(c, '\r' | '\n' | '#' | ';' | '?' | '^' | '|'))
    {
        return Some(format!(
            "Fastly KV keys must not contain {:?} (nor CR, LF, #, ;, ?, ^, |)",
            c
        ));
    }
    if key.split('/').any(|s| s == "." || s == "..") {
        return Some("Fastly KV keys must not have a `.` or `..` path segment".into());
    }
    if key.starts_with(".well-known/acme-challenge") {
        return Some("Fastly KV keys must not start with `.well-known/acme-challenge`".into());
    }
    None
}

/// Why `name` cannot name a Fastly store, or `None`: 1 to [`STORE_NAME_MAX_BYTES`] bytes of
/// ASCII letters, digits, `-`, `_` and `.`.
pub fn check_store_name(name: &str) -> Option<String> {
    if name.is_empty() || name.len() > STORE_NAME_MAX_BYTES {
        return Some(format!(
            "store name `{name}` must be 1 to {STORE_NAME_MAX_BYTES} bytes long"
        ));
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
    {
        return Some(format!(
            "store name `{name}` has {c:?}; Fastly store names take letters, digits, `-`, `_` and `.`"
        ));
    }
    None
}

/// Why a Config Store entry cannot be written, or `None`.
pub fn config_entry_problem(key: &str, value: &str) -> Option<String> {
    let key_len = key.chars().count();
    if key_len == 0 || key_len > CONFIG_MAX_KEY_CHARS {
        return Some(format!(
            "config key `{}` is {key_len} characters long; Fastly Config Store keys are 1 to {CONFIG_MAX_KEY_CHARS}",
            key.escape_debug()
        ));
    }
    let value_len = value.chars().count();
    if value_len > CONFIG_MAX_VALUE_CHARS {
        return Some(format!(
            "the value of config key `{}` is {value_len} characters long; Fastly Config Store values are at most {CONFIG_MAX_VALUE_CHARS}",
            key.escape_debug()
        ));
    }
    None
}

/// The entries a Config Store holds for `entries`: each entry as it is, then the index
/// ([`ENTRIES_KEY`]): the JSON object of every entry, or, when longer than a value may be,
/// `chunks:N` and the JSON text in `edgezero.entries.0` … `edgezero.entries.N-1`.
pub fn with_index(entries: &[(String, String)]) -> Vec<(String, String)> {
    let object: serde_json::Map<String, serde_json::Value> = entries
        .iter()
        .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
        .collect();
    let json = serde_json::Value::Object(object).to_string();
    let mut out: Vec<(String, String)> = entries.to_vec();
    let chars: Vec<char> = json.chars().collect();
    if chars.len() <= CONFIG_MAX_VALUE_CHARS {
        out.push((ENTRIES_KEY.to_string(), json));
        return out;
    }
    let chunks: Vec<String> = chars
        .chunks(CONFIG_MAX_VALUE_CHARS)
        .map(|c| c.iter().collect())
        .collect();
    out.push((ENTRIES_KEY.to_string(), format!("chunks:{}", chunks.len())));
    for (i, chunk) in chunks.into_iter().enumerate() {
        out.push((format!("{ENTRIES_KEY}.{i}"), chunk));
    }
    out
}

/// How many chunks the index value `index` says follow (`Some(n)` for `chunks:N`), or `None`
/// when it is the JSON object itself.
pub fn index_chunks(index: &str) -> Option<usize> {
    index.strip_prefix("chunks:")?.trim().parse().ok()
}

/// The entries of an index's JSON text, or why it is not one.
pub fn parse_index(json: &str) -> Result<Vec<(String, String)>, String> {
    let value: serde_json::Value =
        serde_json::from_str(json).map_err(|e| format!("`{ENTRIES_KEY}` is not JSON: {e}"))?;
    let serde_json::Value::Object(map) = value else {
        return Err(format!("`{ENTRIES_KEY}` is not a JSON object"));
    };
    map.into_iter()
        .map(|(k, v)| match v {
            serde_json::Value::String(s) => Ok((k, s)),
            other => Err(format!(
                "`{ENTRIES_KEY}`: the value of `{k}` is {other}, not a string"
            )),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kv_keys_follow_fastlys_rules() {
        for ok in ["a", "a.b.c", "users/42", "[x]*", "..a", "a..", ".hidden"] {
            assert_eq!(kv_key_problem(ok), None, "{ok}");
        }
        for bad in [
            "",
            "a#b",
            "a;b",
            "a?b",
            "a^b",
            "a|b",
            "a\nb",
            ".",
            "..",
            "a/./b",
            "a/..",
            "../a",
            ".well-known/acme-challenge/x",
        ] {
            assert!(kv_key_problem(bad).is_some(), "{bad:?}");
        }
        assert!(kv_key_problem(&"k".repeat(1025))
            .unwrap()
            .contains("at most 1024 bytes"));
    }

    #[test]
    fn store_names_take_letters_digits_dash_underscore_dot() {
        assert_eq!(check_store_name("my-store_1.x"), None);
        assert!(check_store_name("a b").unwrap().contains("' '"));
        assert!(check_store_name("").is_some());
    }

    #[test]
    fn config_entries_are_checked_against_the_limits() {
        assert_eq!(config_entry_problem("a.b", "x"), None);
        assert!(config_entry_problem(&"k".repeat(256), "x").is_some());
        assert!(config_entry_problem("k", &"v".repeat(8001))
            .unwrap()
            .contains("at most 8000"));
    }

    #[test]
    fn the_index_round_trips_small_and_chunked() {
        let small = vec![("a.b".to_string(), "1".to_string())];
        let out = with_index(&small);
        assert_eq!(out.len(), 2);
        assert_eq!(out[1].0, ENTRIES_KEY);
        assert_eq!(index_chunks(&out[1].1), None);
        assert_eq!(parse_index(&out[1].1).unwrap(), small);

        let big: Vec<(String, String)> = (0..40)
            .map(|i| (format!("key.{i}"), "ü".repeat(500)))
            .collect();
        let out = with_index(&big);
        let index = &out[big.len()].1;
        let n = index_chunks(index).unwrap();
        assert!(n >= 3, "{n}");
        let json: String = out[big.len() + 1..]
            .iter()
            .map(|(_, v)| v.as_str())
            .collect();
        assert!(out[big.len() + 1..]
            .iter()
            .all(|(_, v)| v.chars().count() <= CONFIG_MAX_VALUE_CHARS));
        let mut parsed = parse_index(&json).unwrap();
        parsed.sort();
        let mut want = big.clone();
        want.sort();
        assert_eq!(parsed, want);
    }
}
