//! A URL shortener: `POST /create` stores a link under a random short code, `GET /<short>`
//! redirects to it, `GET /all?cursor=&limit=` lists the links a page at a time.

edgezero_core::app!("../../edgezero.toml");

/// Request handlers named in `edgezero.toml`.
pub mod handlers {
    use std::collections::BTreeMap;

    use edgezero_core::extract::{Kv, Path, Query};
    use edgezero_core::{EdgeError, Json, Redirect};
    use serde::{Deserialize, Serialize};

    /// Short codes are stored under this prefix, so other data can share the store.
    pub const LINK_PREFIX: &str = "link:";
    /// Links per page of `GET /all` when `limit` is not given.
    pub const DEFAULT_PAGE: usize = 100;
    /// The largest `limit` `GET /all` accepts.
    pub const MAX_PAGE: usize = 1000;
    /// The longest URL `POST /create` accepts, in bytes.
    pub const MAX_URL_BYTES: usize = 4096;
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    const SHORT_LEN: usize = 5;

    /// `POST /create` body.
    #[derive(Debug, Deserialize)]
    pub struct CreateLink {
        /// The long URL.
        pub url: String,
    }

    /// `POST /create` answer.
    #[derive(Debug, Serialize)]
    pub struct LinkCreated {
        /// The long URL.
        pub url: String,
        /// The short code.
        pub short: String,
    }

    fn short_code() -> Result<String, EdgeError> {
        let mut bytes = [0u8; SHORT_LEN];
        getrandom::fill(&mut bytes)
            .map_err(|e| EdgeError::internal(format!("no randomness: {e}")))?;
        Ok(bytes
            .iter()
            .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char)
            .collect())
    }

    /// A link that breaks one of the rules of [`check_url`]; the message names the rule.
    #[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
    pub enum InvalidUrl {
        /// Longer than [`MAX_URL_BYTES`].
        #[error("`url` must be at most {MAX_URL_BYTES} bytes, got {len} bytes")]
        TooLong {
            /// The URL's length in bytes.
            len: usize,
        },
        /// Holds a control character.
        #[error(
            "`url` must not contain control characters; found U+{:04X} at byte {at}",
            u32::from(*.found)
        )]
        ControlCharacter {
            /// The first control character.
            found: char,
            /// Its byte offset.
            at: usize,
        },
        /// Not `http://` or `https://`.
        #[error("`url` must be an absolute URL starting with http:// or https://")]
        NotHttp,
        /// No host after the scheme.
        #[error("`url` must name a host after the scheme, e.g. https://example.com/page")]
        NoHost,
    }

    /// The rules a link must meet; each error names the rule it breaks.
    pub fn check_url(url: &str) -> Result<(), InvalidUrl> {
        if url.len() > MAX_URL_BYTES {
            return Err(InvalidUrl::TooLong { len: url.len() });
        }
        if let Some((at, found)) = url.char_indices().find(|(_, c)| c.is_control()) {
            return Err(InvalidUrl::ControlCharacter { found, at });
        }
        let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
        let rest = if lower.starts_with("https://") {
            &url[8..]
        } else if lower.starts_with("http://") {
            &url[7..]
        } else {
            return Err(InvalidUrl::NotHttp);
        };
        let host = rest.split(['/', '?', '#']).next().unwrap_or("");
        if host.is_empty() || host.contains(' ') {
            return Err(InvalidUrl::NoHost);
        }
        Ok(())
    }

    /// `POST /create`
    pub async fn create(
        Kv(kv): Kv,
        Json(link): Json<CreateLink>,
    ) -> Result<Json<LinkCreated>, EdgeError> {
        let url = link.url.trim().to_string();
        check_url(&url).map_err(|rule| EdgeError::bad_request(rule.to_string()))?;
        let mut short = short_code()?;
        while kv.exists(&format!("{LINK_PREFIX}{short}")).await? {
            short = short_code()?;
        }
        kv.put_bytes(&format!("{LINK_PREFIX}{short}"), url.clone())
            .await?;
        Ok(Json(LinkCreated { url, short }))
    }

    /// `GET /<short>`: 308 to the long URL, or 404.
    pub async fn open(Kv(kv): Kv, Path(short): Path<String>) -> Result<Redirect, EdgeError> {
        match kv.get_bytes(&format!("{LINK_PREFIX}{short}")).await? {
            Some(url) => Ok(Redirect::permanent(String::from_utf8_lossy(&url))?),
            None => Err(EdgeError::not_found(format!(
                "no link with short code `{short}`"
            ))),
        }
    }

    /// `GET /all` query.
    #[derive(Debug, Default, Deserialize)]
    pub struct AllQuery {
        /// The `cursor` of the previous page; absent or empty for the first page.
        pub cursor: Option<String>,
        /// Links per page, 1 to 1000 (default 100).
        pub limit: Option<usize>,
    }

    /// One page of `GET /all`.
    #[derive(Debug, Serialize)]
    pub struct LinkPage {
        /// `{"<short>": "<url>"}` for the links of this page, in short-code order.
        pub links: BTreeMap<String, String>,
        /// Pass as `?cursor=` to get the next page; `null` on the last page.
        pub cursor: Option<String>,
    }

    /// `GET /all?cursor=&limit=`: one page of links and the cursor of the next one.
    pub async fn all(Kv(kv): Kv, q: Option<Query<AllQuery>>) -> Result<Json<LinkPage>, EdgeError> {
        let q = q.map(|Query(q)| q).unwrap_or_default();
        let limit = q.limit.unwrap_or(DEFAULT_PAGE);
        if !(1..=MAX_PAGE).contains(&limit) {
            return Err(EdgeError::bad_request(format!(
                "`limit` must be between 1 and {MAX_PAGE}, got {limit}"
            )));
        }
        let cursor = q.cursor.as_deref().filter(|c| !c.is_empty());
        let page = kv.list_keys_page(LINK_PREFIX, cursor, limit).await?;
        // The page's values in one batch (one transaction natively, `batch.get-many` on Spin
        // with the `wasi-keyvalue` feature, key by key otherwise). A link deleted between
        // the listing and this read is simply left out.
        let mut links = BTreeMap::new();
        for (key, url) in kv.get_many(&page.keys).await? {
            if let Some(url) = url {
                let short = key.trim_start_matches(LINK_PREFIX).to_string();
                links.insert(short, String::from_utf8_lossy(&url).into_owned());
            }
        }
        Ok(Json(LinkPage {
            links,
            cursor: page.cursor,
        }))
    }
}

#[cfg(test)]
mod tests;
