//! Opaque listing cursors and client-side paging for backends that can only list every key.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

const CURSOR_VERSION: &str = "v1";

/// Encodes a cursor that resumes strictly after `last_key`, bound to `prefix`.
pub fn encode_cursor(prefix: &str, last_key: &str) -> String {
    // Keys and prefixes never contain control characters, so NUL separates them safely.
    let raw = format!("{CURSOR_VERSION}\0{prefix}\0{last_key}");
    URL_SAFE_NO_PAD.encode(raw.as_bytes())
}

/// A listing cursor that cannot be used; the message says how to resume the listing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CursorError {
    /// Not a cursor this store issued (not base64, another version, cut short, edited).
    #[error("cursor is not valid; pass back the cursor returned by the previous page")]
    Garbled,
    /// A cursor issued for a listing of another prefix.
    #[error(
        "cursor was issued for prefix `{issued_for}`, not `{prefix}`; restart the listing without a cursor"
    )]
    OtherPrefix {
        /// The prefix of the listing that issued the cursor.
        issued_for: String,
        /// The prefix of this listing.
        prefix: String,
    },
}

/// Decodes a cursor and checks that it was issued for `prefix`. Returns the last key seen.
pub fn decode_cursor(prefix: &str, cursor: &str) -> Result<String, CursorError> {
    let bytes = URL_SAFE_NO_PAD
        .decode(cursor.as_bytes())
        .map_err(|_| CursorError::Garbled)?;
    let text = String::from_utf8(bytes).map_err(|_| CursorError::Garbled)?;
    let mut parts = text.splitn(3, '\0');
    let (Some(version), Some(cursor_prefix), Some(last)) =
        (parts.next(), parts.next(), parts.next())
    else {
        return Err(CursorError::Garbled);
    };
    if version != CURSOR_VERSION || last.is_empty() {
        return Err(CursorError::Garbled);
    }
    if cursor_prefix != prefix {
        return Err(CursorError::OtherPrefix {
            issued_for: cursor_prefix.to_string(),
            prefix: prefix.to_string(),
        });
    }
    if !last.starts_with(prefix) {
        return Err(CursorError::Garbled);
    }
    Ok(last.to_string())
}

/// One page of keys as a backend returns it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct KeyPage {
    /// Keys in ascending byte order.
    pub keys: Vec<String>,
    /// True when more keys follow the last one.
    pub more: bool,
}

/// Builds pages from an unordered stream of keys, as `get_keys()`-style backends return them.
///
/// Every key matching the prefix counts towards `cap`; of the keys after the cursor only the
/// smallest `limit + 1` are kept (in a max-heap), and only they are sorted.
#[derive(Debug)]
pub struct PageCollector<'a> {
    prefix: &'a str,
    after: Option<&'a str>,
    limit: usize,
    cap: usize,
    matched: usize,
    /// A max-heap of at most `limit + 1` keys: the smallest seen so far.
    candidates: Vec<String>,
}

/// The collector saw more matching keys than its cap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CapExceeded;

impl<'a> PageCollector<'a> {
    /// A collector for keys starting with `prefix`, strictly after `after`, at most `limit`
    /// per page, failing once more than `cap` keys match the prefix.
    pub fn new(prefix: &'a str, after: Option<&'a str>, limit: usize, cap: usize) -> Self {
        PageCollector {
            prefix,
            after,
            limit,
            cap,
            matched: 0,
            candidates: Vec::new(),
        }
    }

    /// Offers one key. Fails as soon as the matching keys exceed the cap.
    pub fn push(&mut self, key: String) -> Result<(), CapExceeded> {
        if !key.starts_with(self.prefix) {
            return Ok(());
        }
        self.matched += 1;
        if self.matched > self.cap {
            return Err(CapExceeded);
        }
        if self.after.is_none_or(|after| key.as_str() > after) {
            let heap = &mut self.candidates;
            if heap.len() <= self.limit {
                let at = heap.len();
                heap.push(key);
                sift_up(heap, at);
            } else if key < heap[0] {
                heap[0] = key;
                sift_down(heap, 0);
            }
        }
        Ok(())
    }

    /// Sorts the kept keys and returns the page.
    pub fn finish(self) -> KeyPage {
        let mut keys = self.candidates;
        // Heapsort: the heap is built already; its code is a fraction of `sort_unstable`'s,
        // which a component would otherwise carry for this one use.
        for end in (1..keys.len()).rev() {
            keys.swap(0, end);
            sift_down(&mut keys[..end], 0);
        }
        let more = keys.len() > self.limit;
        keys.truncate(self.limit);
        KeyPage { keys, more }
    }
}

/// Restores the max-heap order of `heap` after the key at `at` was added.
fn sift_up(heap: &mut [String], mut at: usize) {
    while at > 0 {
        let parent = (at - 1) / 2;
        if heap[parent] >= heap[at] {
            return;
        }
        heap.swap(parent, at);
        at = parent;
    }
}

/// Restores the max-heap order of `heap` after the key at `at` was replaced by a smaller one.
fn sift_down(heap: &mut [String], mut at: usize) {
    loop {
        let mut child = 2 * at + 1;
        if child >= heap.len() {
            return;
        }
        if child + 1 < heap.len() && heap[child] < heap[child + 1] {
            child += 1;
        }
        if heap[at] >= heap[child] {
            return;
        }
        heap.swap(at, child);
        at = child;
    }
}

/// Builds one page from a backend that lists keys in ascending order, a call at a time
/// (Workers KV, Fastly KV): the keys strictly after the cursor key, until one more than the
/// page holds has been seen.
#[derive(Debug, Default)]
pub struct SortedPage {
    keys: Vec<String>,
}

impl SortedPage {
    /// Adds the keys of one listing call (ascending) that come strictly after `after`.
    /// True once `limit + 1` keys are there: the page is complete and more follow.
    pub fn add(
        &mut self,
        keys: impl IntoIterator<Item = String>,
        after: Option<&str>,
        limit: usize,
    ) -> bool {
        for key in keys {
            if after.is_some_and(|a| key.as_str() <= a) {
                continue;
            }
            self.keys.push(key);
            if self.keys.len() > limit {
                return true;
            }
        }
        false
    }

    /// The page: at most `limit` keys, and whether more follow.
    pub fn finish(mut self, limit: usize) -> KeyPage {
        let more = self.keys.len() > limit;
        self.keys.truncate(limit);
        KeyPage {
            keys: self.keys,
            more,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(keys: &[&str], prefix: &str, after: Option<&str>, limit: usize) -> KeyPage {
        let mut c = PageCollector::new(prefix, after, limit, usize::MAX);
        for k in keys {
            c.push(k.to_string()).unwrap();
        }
        c.finish()
    }

    #[test]
    fn cursor_round_trip() {
        let c = encode_cursor("user:", "user:7");
        assert_eq!(decode_cursor("user:", &c).unwrap(), "user:7");
    }

    #[test]
    fn cursor_from_other_prefix_is_rejected() {
        let c = encode_cursor("user:", "user:7");
        let err = decode_cursor("admin:", &c).unwrap_err();
        assert_eq!(
            err.to_string(),
            "cursor was issued for prefix `user:`, not `admin:`; restart the listing without a cursor"
        );
    }

    #[test]
    fn garbage_cursors_are_rejected() {
        for bad in [
            "",
            "!!!",
            "djE",
            &URL_SAFE_NO_PAD.encode("v2\0\0k"),
            &URL_SAFE_NO_PAD.encode([0xff, 0xfe]),
        ] {
            assert_eq!(decode_cursor("", bad), Err(CursorError::Garbled), "{bad:?}");
        }
    }

    #[test]
    fn pages_are_sorted_and_resume_after_last_key() {
        let keys = ["d", "b", "a", "e", "c", "x:1"];
        let p1 = collect(&keys, "", None, 2);
        assert_eq!(p1.keys, ["a", "b"]);
        assert!(p1.more);
        let p2 = collect(&keys, "", Some("b"), 2);
        assert_eq!(p2.keys, ["c", "d"]);
        let p3 = collect(&keys, "", Some("d"), 2);
        assert_eq!(p3.keys, ["e", "x:1"]);
        assert!(!p3.more);
        let past = collect(&keys, "", Some("zzz"), 2);
        assert!(past.keys.is_empty() && !past.more);
    }

    #[test]
    fn pages_match_a_full_sort() {
        // A fixed pseudo-random order, with repeats of some keys.
        let keys: Vec<String> = (0u32..300)
            .map(|i| format!("k{}", i.wrapping_mul(2_654_435_761) % 211))
            .collect();
        let mut sorted = keys.clone();
        sorted.sort();
        for limit in [0, 1, 2, 7, 150, 299, 300, 301, 1000] {
            let mut c = PageCollector::new("", None, limit, usize::MAX);
            for k in &keys {
                c.push(k.clone()).unwrap();
            }
            let page = c.finish();
            assert_eq!(page.keys, sorted[..limit.min(sorted.len())], "{limit}");
            assert_eq!(page.more, sorted.len() > limit, "{limit}");
        }
    }

    #[test]
    fn prefix_filters() {
        let page = collect(&["x:2", "y:1", "x:1"], "x:", None, 10);
        assert_eq!(page.keys, ["x:1", "x:2"]);
        assert!(!page.more);
    }

    #[test]
    fn cap_counts_matching_keys_only() {
        let mut c = PageCollector::new("x:", None, 10, 2);
        c.push("x:1".into()).unwrap();
        c.push("y:1".into()).unwrap();
        c.push("x:2".into()).unwrap();
        assert_eq!(c.push("x:3".into()), Err(CapExceeded));
    }

    #[test]
    fn sorted_pages_resume_after_the_cursor_key() {
        let keys = |ks: &[&str]| ks.iter().map(|k| k.to_string()).collect::<Vec<_>>();
        let mut page = SortedPage::default();
        assert!(!page.add(keys(&["a", "b"]), Some("a"), 2));
        assert!(page.add(keys(&["c", "d"]), Some("a"), 2));
        let page = page.finish(2);
        assert_eq!((page.keys, page.more), (keys(&["b", "c"]), true));
        let mut last = SortedPage::default();
        assert!(!last.add(keys(&["a", "b", "c"]), Some("b"), 5));
        let last = last.finish(5);
        assert_eq!((last.keys, last.more), (keys(&["c"]), false));
    }
}
