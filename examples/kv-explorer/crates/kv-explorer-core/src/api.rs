//! The JSON API the page uses. The guard ([`crate::guard`]) has already checked the
//! credentials; these handlers only ever see authorised requests.
//!
//! Errors use the framework's body, `{"error": {"status", "code", "message"}}`. A listing
//! that matches more keys than the platform's cap (on Spin, `max_list_keys`, 1000 unless
//! raised) answers `503` with the code [`LIST_LIMIT_CODE`], so the page can tell the user to
//! narrow the prefix.

use edgezero_core::env::StoreKind;
use edgezero_core::extract::{Path, Query};
use edgezero_core::http::StatusCode;
use edgezero_core::store::kv::{KvError, KvHandle};
use edgezero_core::{Bytes, EdgeError, Json, Stores};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::{CREDENTIALS_KEY, CREDENTIALS_STORE};

/// The error code of a listing over the platform's cap.
pub const LIST_LIMIT_CODE: &str = "list_limit_exceeded";

/// Page size when `limit` is not given.
pub const DEFAULT_LIMIT: usize = 50;

/// `?store=`, shared by every route that reads or writes one store.
#[derive(Debug, Deserialize)]
pub struct StoreQuery {
    /// A declared KV id; the app's default KV store when absent.
    pub store: Option<String>,
}

/// Query of `GET api/keys`.
#[derive(Debug, Deserialize)]
pub struct ListQuery {
    /// A declared KV id; the app's default KV store when absent.
    pub store: Option<String>,
    /// Only keys starting with this.
    #[serde(default)]
    pub prefix: String,
    /// The `cursor` of the previous page.
    pub cursor: Option<String>,
    /// Page size, 1 to 1000 ([`DEFAULT_LIMIT`] when absent).
    pub limit: Option<usize>,
}

/// `GET api/stores`: `{"stores": ["default", ...], "default": "default"}`.
pub async fn stores(stores: Stores) -> Result<Json<Value>, EdgeError> {
    let bindings = stores
        .bindings()
        .ok_or_else(|| EdgeError::internal("the explorer runs without a store registry"))?;
    let ids: Vec<&str> = bindings.all(StoreKind::Kv).iter().map(|b| &*b.id).collect();
    let default = bindings.default_binding(StoreKind::Kv).map(|b| &*b.id);
    Ok(Json(json!({ "stores": ids, "default": default })))
}

/// `GET api/keys`: `{"store", "prefix", "keys": [...], "cursor": "..." | null}`.
pub async fn keys(stores: Stores, Query(q): Query<ListQuery>) -> Result<Json<Value>, EdgeError> {
    let (id, kv) = open(&stores, q.store.as_deref()).await?;
    let limit = q.limit.unwrap_or(DEFAULT_LIMIT);
    let mut cursor = q.cursor.filter(|c| !c.is_empty());
    // The credentials key is left out; when it was the only key of a page, the next page
    // is read instead, so a page with a cursor is never empty.
    loop {
        let page = kv
            .list_keys_page(&q.prefix, cursor.as_deref(), limit)
            .await
            .map_err(kv_error)?;
        let keys: Vec<String> = page
            .keys
            .into_iter()
            .filter(|k| !is_reserved(&stores, &id, k))
            .collect();
        if keys.is_empty() && page.cursor.is_some() {
            cursor = page.cursor;
            continue;
        }
        return Ok(Json(json!({
            "store": id,
            "prefix": q.prefix,
            "keys": keys,
            "cursor": page.cursor,
        })));
    }
}

/// `GET api/key/{*key}`: `{"store", "key", "size", "encoding": "utf-8" | "hex", "value"}`.
/// A value is shown as text when it is UTF-8 without control characters other than tab and
/// line breaks, else as lowercase hex.
pub async fn get(
    stores: Stores,
    Path(key): Path<String>,
    Query(q): Query<StoreQuery>,
) -> Result<Json<Value>, EdgeError> {
    let (id, kv) = open_for_key(&stores, q.store.as_deref(), &key).await?;
    let value = kv
        .get_bytes(&key)
        .await?
        .ok_or_else(|| EdgeError::not_found(format!("no key `{key}` in store `{id}`")))?;
    let (encoding, shown) = match std::str::from_utf8(&value) {
        Ok(text)
            if !text
                .chars()
                .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r')) =>
        {
            ("utf-8", text.to_string())
        }
        _ => ("hex", hex(&value)),
    };
    Ok(Json(json!({
        "store": id,
        "key": key,
        "size": value.len(),
        "encoding": encoding,
        "value": shown,
    })))
}

/// `PUT api/key/{*key}`: stores the body as the value; `204`.
pub async fn put(
    stores: Stores,
    Path(key): Path<String>,
    Query(q): Query<StoreQuery>,
    body: Bytes,
) -> Result<StatusCode, EdgeError> {
    let (_, kv) = open_for_key(&stores, q.store.as_deref(), &key).await?;
    kv.put_bytes(&key, body).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE api/key/{*key}`: `204`, or `404` when the key was not there.
pub async fn delete(
    stores: Stores,
    Path(key): Path<String>,
    Query(q): Query<StoreQuery>,
) -> Result<StatusCode, EdgeError> {
    let (id, kv) = open_for_key(&stores, q.store.as_deref(), &key).await?;
    if !kv.exists(&key).await? {
        return Err(EdgeError::not_found(format!(
            "no key `{key}` in store `{id}`"
        )));
    }
    kv.delete(&key).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Whether `key` of store `id` is the explorer's own credentials: the key in the store the
/// credentials are read from, under whichever id reaches that store (two ids may be given
/// the same platform store with `EDGEZERO__STORES__KV__<ID>__NAME`).
fn is_reserved(stores: &Stores, id: &str, key: &str) -> bool {
    if key != CREDENTIALS_KEY {
        return false;
    }
    let name = |id: &str| {
        stores
            .bindings()
            .and_then(|b| b.get(StoreKind::Kv, id))
            .map(|b| b.name.clone())
    };
    id == CREDENTIALS_STORE || name(id).is_some_and(|n| Some(n) == name(CREDENTIALS_STORE))
}

/// Opens a declared store: `400` for an empty id, `404` naming the declared ids otherwise.
async fn open(stores: &Stores, id: Option<&str>) -> Result<(String, KvHandle), EdgeError> {
    let bindings = stores
        .bindings()
        .ok_or_else(|| EdgeError::internal("the explorer runs without a store registry"))?;
    let declared = bindings.all(StoreKind::Kv);
    let id = match id {
        Some("") => return Err(EdgeError::bad_request("`store` must not be empty")),
        Some(id) => id.to_string(),
        None => match bindings.default_binding(StoreKind::Kv) {
            Some(b) => b.id.to_string(),
            None => {
                return Err(EdgeError::bad_request(
                    "this app has several key-value stores and no default; pass `store`",
                ))
            }
        },
    };
    if !declared.iter().any(|b| *b.id == *id) {
        let known: Vec<&str> = declared.iter().map(|b| &*b.id).collect();
        return Err(EdgeError::not_found(format!(
            "no key-value store `{}`; this app declares: {}",
            id.escape_debug(),
            known.join(", ")
        )));
    }
    let kv = stores.kv(&id).await?;
    Ok((id, kv))
}

/// Like [`open`], refusing the credentials key.
async fn open_for_key(
    stores: &Stores,
    id: Option<&str>,
    key: &str,
) -> Result<(String, KvHandle), EdgeError> {
    let (id, kv) = open(stores, id).await?;
    if is_reserved(stores, &id, key) {
        return Err(EdgeError::new(
            StatusCode::FORBIDDEN,
            "reserved_key",
            format!(
                "`{CREDENTIALS_KEY}` holds the explorer's own credentials and cannot be read, \
                 written or deleted here; set it with `--key-value {CREDENTIALS_KEY}=user:password`"
            ),
        ));
    }
    Ok((id, kv))
}

/// Store errors, with a listing over the cap marked by [`LIST_LIMIT_CODE`].
fn kv_error(e: KvError) -> EdgeError {
    match e {
        KvError::LimitExceeded { .. } => EdgeError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            LIST_LIMIT_CODE,
            e.to_string(),
        ),
        other => other.into(),
    }
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[usize::from(b >> 4)] as char);
        out.push(DIGITS[usize::from(b & 0x0f)] as char);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_listing_over_the_cap_has_its_own_code() {
        let err = kv_error(KvError::LimitExceeded {
            store: "default".into(),
            limit: 3,
            env_var: "EDGEZERO__STORES__KV__DEFAULT__MAX_LIST_KEYS".into(),
        });
        assert_eq!(err.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(err.code(), LIST_LIMIT_CODE);
        assert!(err.message().contains("MAX_LIST_KEYS"), "{}", err.message());
        let other = kv_error(KvError::Validation("bad".into()));
        assert_eq!(other.code(), "bad_request");
    }

    #[test]
    fn hex_is_lowercase_two_digits_a_byte() {
        assert_eq!(hex(&[0, 0x0f, 0xa0, 0xff]), "000fa0ff");
        assert_eq!(hex(&[]), "");
    }
}
