//! Deterministic bodies of any size and a cheap running checksum, shared by the HTTP client
//! suite ([`crate::contract::http_client_suite`]) and the test origin it runs against (in
//! this repository's unpublished `edgezero-test-support`, which re-exports this module): a
//! sender streams [`pattern`] chunks, the receiver folds what arrives into a [`Checksum`],
//! and neither side ever holds the whole body. An app's own tests can use it the same way,
//! for a large upload or download through a handler.
//!
//! ```
//! use edgezero_testkit::pattern::{pattern, Checksum};
//!
//! let mut whole = Checksum::new();
//! whole.update(&pattern(0, 1000));
//! let mut pieces = Checksum::new();
//! pieces.update(&pattern(0, 300));
//! pieces.update(&pattern(300, 700));
//! assert_eq!(whole, pieces);
//! assert_eq!(whole, Checksum::of_pattern(1000));
//! assert_eq!(whole.len(), 1000);
//! ```

use bytes::{Bytes, BytesMut};
use futures_util::stream::{self, Stream};

/// The pattern repeats every 251 bytes (a prime, so a chunk sent twice or out of order at
/// any power-of-two size changes the checksum).
const PERIOD: usize = 251;

fn period() -> [u8; PERIOD] {
    let mut table = [0u8; PERIOD];
    for (i, b) in table.iter_mut().enumerate() {
        *b = i as u8;
    }
    table
}

/// `len` bytes of the pattern starting at byte `offset` of the body.
pub fn pattern(offset: u64, len: usize) -> Bytes {
    let table = period();
    let mut out = BytesMut::with_capacity(len);
    let mut at = (offset % PERIOD as u64) as usize;
    while out.len() < len {
        let take = (PERIOD - at).min(len - out.len());
        out.extend_from_slice(&table[at..at + take]);
        at = 0;
    }
    out.freeze()
}

/// A `total`-byte pattern body as a stream of `chunk`-byte pieces, produced lazily.
pub fn pattern_stream(
    total: u64,
    chunk: usize,
) -> impl Stream<Item = Result<Bytes, std::convert::Infallible>> {
    let chunk = chunk.max(1) as u64;
    stream::unfold(0u64, move |sent| async move {
        (sent < total).then(|| {
            let len = chunk.min(total - sent);
            (Ok(pattern(sent, len as usize)), sent + len)
        })
    })
}

/// A running FNV-1a (64-bit) checksum and byte count. Not cryptographic: it only has to
/// tell a body that arrived intact from one that was cut, reordered or padded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Checksum {
    hash: u64,
    len: u64,
}

impl Default for Checksum {
    fn default() -> Self {
        Self::new()
    }
}

impl Checksum {
    /// The checksum of nothing.
    pub fn new() -> Self {
        Checksum {
            hash: 0xcbf2_9ce4_8422_2325,
            len: 0,
        }
    }

    /// Folds the next bytes of the body in.
    pub fn update(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.hash ^= u64::from(*b);
            self.hash = self.hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
        self.len += bytes.len() as u64;
    }

    /// The checksum of a whole buffer.
    pub fn of(bytes: &[u8]) -> Self {
        let mut c = Self::new();
        c.update(bytes);
        c
    }

    /// The checksum of the first `total` bytes of the pattern.
    pub fn of_pattern(total: u64) -> Self {
        let mut c = Self::new();
        let mut at = 0;
        while at < total {
            let len = (total - at).min(1 << 20);
            c.update(&pattern(at, len as usize));
            at += len;
        }
        c
    }

    /// Bytes folded in so far.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// True before any byte was folded in.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The hash as 16 lower-case hex digits (what the origin's `/echo` reports).
    pub fn hex(&self) -> String {
        format!("{:016x}", self.hash)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::StreamExt;

    #[test]
    fn pattern_is_positional_and_checksums_see_order_and_length() {
        assert_eq!(&pattern(0, 3)[..], &[0, 1, 2]);
        assert_eq!(&pattern(250, 3)[..], &[250, 0, 1]);
        assert_eq!(pattern(251 * 7 + 5, 10), pattern(5, 10));
        let a = pattern(0, 4096);
        let mut swapped = a.to_vec();
        swapped.swap(10, 20);
        assert_ne!(Checksum::of(&a), Checksum::of(&swapped));
        assert_ne!(Checksum::of(&a), Checksum::of(&a[..4095]));
        assert_eq!(Checksum::of(b"").hex(), "cbf29ce484222325");
    }

    #[test]
    fn the_stream_yields_the_pattern_in_chunks() {
        let chunks: Vec<Bytes> = futures_executor::block_on(
            pattern_stream(10_000, 4096)
                .map(|c| c.unwrap())
                .collect::<Vec<_>>(),
        );
        assert_eq!(
            chunks.iter().map(Bytes::len).collect::<Vec<_>>(),
            [4096, 4096, 1808]
        );
        let mut sum = Checksum::new();
        chunks.iter().for_each(|c| sum.update(c));
        assert_eq!(sum, Checksum::of_pattern(10_000));
    }
}
