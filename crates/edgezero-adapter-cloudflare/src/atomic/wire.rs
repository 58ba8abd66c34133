//! The bytes of an [`Op`] and a [`Reply`] between the worker and the atomic store's object:
//! a tag byte, then the fields in order — integers as 8 bytes little-endian, strings and byte
//! strings as a 4-byte little-endian length and the bytes, options and booleans as one byte,
//! lists as a 4-byte count and the items. Smaller and cheaper than JSON with base64 values,
//! in both the worker and the object (which run the same code).

use super::protocol::{Entry, Maybe, Op, Reply};

/// The URL every operation is sent to. A small operation that carries no value (a get, an
/// increment, a delete, a listing; at most [`IN_URL_MAX`] bytes) travels in the URL's path,
/// in hex, as a `GET` without a body: the object then answers without reading a body
/// stream, which is most of the cost of a call. Values never go in a URL (URLs end up in
/// request logs); those operations, and larger ones, are the body of a `POST` to this URL.
pub const OBJECT_URL: &str = "https://atomic-kv.edgezero/";

/// The largest operation sent in the URL (2 KiB of path in hex).
pub const IN_URL_MAX: usize = 1024;

/// The URL that carries `op` (its bytes, at most [`IN_URL_MAX`]) in its path.
pub fn url_with(op: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut url = String::with_capacity(OBJECT_URL.len() + 2 * op.len());
    url.push_str(OBJECT_URL);
    for b in op {
        url.push(HEX[usize::from(b >> 4)] as char);
        url.push(HEX[usize::from(b & 15)] as char);
    }
    url
}

/// The operation's bytes carried by `url`, or `None` when its path is empty (the operation
/// is the body).
pub fn op_in_url(url: &str) -> Result<Option<Vec<u8>>, MalformedMessage> {
    let hex = url.strip_prefix(OBJECT_URL).unwrap_or("");
    if hex.is_empty() {
        return Ok(None);
    }
    let digit = |c: u8| match c {
        b'0'..=b'9' => Ok(c - b'0'),
        b'a'..=b'f' => Ok(c - b'a' + 10),
        _ => Err(MalformedMessage("the URL's path is not hex")),
    };
    let hex = hex.as_bytes();
    if hex.len() % 2 != 0 {
        return Err(MalformedMessage("the URL's path is not hex"));
    }
    hex.chunks(2)
        .map(|pair| Ok(digit(pair[0])? << 4 | digit(pair[1])?))
        .collect::<Result<Vec<u8>, _>>()
        .map(Some)
}

/// A message that is not one [`Op`] or [`Reply`]: a bug, or a worker and an object of
/// different versions (redeploy both).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("malformed atomic-store message: {0}")]
pub struct MalformedMessage(&'static str);

#[derive(Default)]
struct Writer(Vec<u8>);

impl Writer {
    fn tag(&mut self, tag: u8) -> &mut Self {
        self.0.push(tag);
        self
    }
    fn u64(&mut self, n: u64) -> &mut Self {
        self.0.extend_from_slice(&n.to_le_bytes());
        self
    }
    fn len(&mut self, n: usize) -> &mut Self {
        // Values and keys are limited far below 4 GiB (25 MiB) before they get here.
        self.0.extend_from_slice(&(n as u32).to_le_bytes());
        self
    }
    fn bytes(&mut self, b: &[u8]) -> &mut Self {
        self.len(b.len());
        self.0.extend_from_slice(b);
        self
    }
    fn str(&mut self, s: &str) -> &mut Self {
        self.bytes(s.as_bytes())
    }
    fn opt_bytes(&mut self, b: Option<&[u8]>) -> &mut Self {
        match b {
            Some(b) => self.tag(1).bytes(b),
            None => self.tag(0),
        }
    }
    fn strs(&mut self, items: &[String]) -> &mut Self {
        self.len(items.len());
        for s in items {
            self.str(s);
        }
        self
    }
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], MalformedMessage> {
        if self.0.len() < n {
            return Err(MalformedMessage("truncated"));
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }
    fn u8(&mut self) -> Result<u8, MalformedMessage> {
        Ok(self.take(1)?[0])
    }
    fn u64(&mut self) -> Result<u64, MalformedMessage> {
        let mut b = [0u8; 8];
        b.copy_from_slice(self.take(8)?);
        Ok(u64::from_le_bytes(b))
    }
    fn len(&mut self) -> Result<usize, MalformedMessage> {
        let mut b = [0u8; 4];
        b.copy_from_slice(self.take(4)?);
        Ok(u32::from_le_bytes(b) as usize)
    }
    fn bytes(&mut self) -> Result<Vec<u8>, MalformedMessage> {
        let n = self.len()?;
        Ok(self.take(n)?.to_vec())
    }
    fn string(&mut self) -> Result<String, MalformedMessage> {
        String::from_utf8(self.bytes()?).map_err(|_| MalformedMessage("a key is not UTF-8"))
    }
    fn flag(&mut self) -> Result<bool, MalformedMessage> {
        match self.u8()? {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(MalformedMessage("a flag is neither 0 nor 1")),
        }
    }
    fn opt_bytes(&mut self) -> Result<Option<Vec<u8>>, MalformedMessage> {
        Ok(if self.flag()? {
            Some(self.bytes()?)
        } else {
            None
        })
    }
    fn count(&mut self) -> Result<usize, MalformedMessage> {
        let n = self.len()?;
        // Every item takes at least 1 byte: a count past the rest is a lie, not a reason to
        // allocate.
        if n > self.0.len() {
            return Err(MalformedMessage("a count exceeds the message"));
        }
        Ok(n)
    }
    fn strings(&mut self) -> Result<Vec<String>, MalformedMessage> {
        let n = self.count()?;
        (0..n).map(|_| self.string()).collect()
    }
    fn end<T>(self, value: T) -> Result<T, MalformedMessage> {
        if self.0.is_empty() {
            Ok(value)
        } else {
            Err(MalformedMessage("bytes after the end"))
        }
    }
}

impl Op {
    /// The operation as bytes.
    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer::default();
        match self {
            Op::Get { key } => w.tag(1).str(key),
            Op::Put { key, value, ttl_ms } => {
                w.tag(2).str(key).bytes(value);
                match ttl_ms {
                    Some(t) => w.tag(1).u64(*t),
                    None => w.tag(0),
                }
            }
            Op::Delete { key } => w.tag(3).str(key),
            Op::List {
                prefix,
                after,
                limit,
            } => w
                .tag(4)
                .str(prefix)
                .opt_bytes(after.as_deref().map(str::as_bytes))
                .u64(*limit as u64),
            Op::Increment { key, delta } => w.tag(5).str(key).u64(*delta as u64),
            Op::Cas { key, expected, new } => {
                w.tag(6).str(key).opt_bytes(expected.as_deref()).bytes(new)
            }
            Op::Exchange { key, new } => w.tag(7).str(key).bytes(new),
            Op::GetMany { keys } => w.tag(8).strs(keys),
            Op::SetMany { entries } => {
                w.tag(9).len(entries.len());
                for e in entries {
                    w.str(&e.key).bytes(&e.value);
                }
                &mut w
            }
            Op::DeleteMany { keys } => w.tag(10).strs(keys),
        };
        w.0
    }

    /// The operation in `bytes`.
    pub fn decode(bytes: &[u8]) -> Result<Op, MalformedMessage> {
        let mut r = Reader(bytes);
        let op = match r.u8()? {
            1 => Op::Get { key: r.string()? },
            2 => Op::Put {
                key: r.string()?,
                value: r.bytes()?,
                ttl_ms: if r.flag()? { Some(r.u64()?) } else { None },
            },
            3 => Op::Delete { key: r.string()? },
            4 => Op::List {
                prefix: r.string()?,
                after: match r.opt_bytes()? {
                    Some(b) => Some(
                        String::from_utf8(b).map_err(|_| MalformedMessage("a key is not UTF-8"))?,
                    ),
                    None => None,
                },
                limit: usize::try_from(r.u64()?).unwrap_or(usize::MAX),
            },
            5 => Op::Increment {
                key: r.string()?,
                delta: r.u64()? as i64,
            },
            6 => Op::Cas {
                key: r.string()?,
                expected: r.opt_bytes()?,
                new: r.bytes()?,
            },
            7 => Op::Exchange {
                key: r.string()?,
                new: r.bytes()?,
            },
            8 => Op::GetMany { keys: r.strings()? },
            9 => {
                let n = r.count()?;
                let entries = (0..n)
                    .map(|_| {
                        Ok(Entry {
                            key: r.string()?,
                            value: r.bytes()?,
                        })
                    })
                    .collect::<Result<_, MalformedMessage>>()?;
                Op::SetMany { entries }
            }
            10 => Op::DeleteMany { keys: r.strings()? },
            _ => return Err(MalformedMessage("unknown operation")),
        };
        r.end(op)
    }
}

impl Reply {
    /// The reply as bytes.
    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer::default();
        match self {
            Reply::Done => w.tag(1),
            Reply::Value(Maybe(v)) => w.tag(2).opt_bytes(v.as_deref()),
            Reply::Values(values) => {
                w.tag(3).len(values.len());
                for Maybe(v) in values {
                    w.opt_bytes(v.as_deref());
                }
                &mut w
            }
            Reply::Keys { keys, more } => w.tag(4).strs(keys).tag(u8::from(*more)),
            Reply::Counter(n) => w.tag(5).u64(*n as u64),
            Reply::Swapped(swapped) => w.tag(6).tag(u8::from(*swapped)),
            Reply::NotACounter => w.tag(7),
            Reply::Overflow => w.tag(8),
            Reply::BadRequest(msg) => w.tag(9).str(msg),
        };
        w.0
    }

    /// The reply in `bytes`.
    pub fn decode(bytes: &[u8]) -> Result<Reply, MalformedMessage> {
        let mut r = Reader(bytes);
        let reply = match r.u8()? {
            1 => Reply::Done,
            2 => Reply::Value(Maybe(r.opt_bytes()?)),
            3 => {
                let n = r.count()?;
                let values = (0..n)
                    .map(|_| r.opt_bytes().map(Maybe))
                    .collect::<Result<_, _>>()?;
                Reply::Values(values)
            }
            4 => Reply::Keys {
                keys: r.strings()?,
                more: r.flag()?,
            },
            5 => Reply::Counter(r.u64()? as i64),
            6 => Reply::Swapped(r.flag()?),
            7 => Reply::NotACounter,
            8 => Reply::Overflow,
            9 => Reply::BadRequest(r.string()?),
            _ => return Err(MalformedMessage("unknown reply")),
        };
        r.end(reply)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ops() -> Vec<Op> {
        vec![
            Op::Get { key: "k".into() },
            Op::Put {
                key: "k".into(),
                value: b"\0\xffv".to_vec(),
                ttl_ms: Some(60_000),
            },
            Op::Put {
                key: "".into(),
                value: vec![],
                ttl_ms: None,
            },
            Op::Delete { key: "ü".into() },
            Op::List {
                prefix: "p/".into(),
                after: Some("p/2".into()),
                limit: 1000,
            },
            Op::List {
                prefix: "".into(),
                after: None,
                limit: 0,
            },
            Op::Increment {
                key: "n".into(),
                delta: -7,
            },
            Op::Cas {
                key: "k".into(),
                expected: None,
                new: b"a".to_vec(),
            },
            Op::Cas {
                key: "k".into(),
                expected: Some(vec![]),
                new: b"b".to_vec(),
            },
            Op::Exchange {
                key: "k".into(),
                new: b"c".to_vec(),
            },
            Op::GetMany {
                keys: vec!["a".into(), "b".into()],
            },
            Op::SetMany {
                entries: vec![Entry {
                    key: "a".into(),
                    value: b"1".to_vec(),
                }],
            },
            Op::DeleteMany { keys: vec![] },
        ]
    }

    fn replies() -> Vec<Reply> {
        vec![
            Reply::Done,
            Reply::Value(Maybe(None)),
            Reply::Value(Maybe(Some(b"\0".to_vec()))),
            Reply::Values(vec![Maybe(None), Maybe(Some(b"x".to_vec()))]),
            Reply::Keys {
                keys: vec!["a".into()],
                more: true,
            },
            Reply::Counter(i64::MIN),
            Reply::Swapped(false),
            Reply::NotACounter,
            Reply::Overflow,
            Reply::BadRequest("why".into()),
        ]
    }

    #[test]
    fn every_op_and_reply_round_trips() {
        for op in ops() {
            assert_eq!(Op::decode(&op.encode()), Ok(op.clone()), "{op:?}");
        }
        for reply in replies() {
            assert_eq!(
                Reply::decode(&reply.encode()),
                Ok(reply.clone()),
                "{reply:?}"
            );
        }
    }

    #[test]
    fn a_put_is_the_bytes_the_cli_seeds_with() {
        // crates/edgezero-cli/src/platform/cloudflare/miniflare.mjs (putOp) writes these.
        let put = Op::Put {
            key: "k".into(),
            value: b"v".to_vec(),
            ttl_ms: None,
        };
        assert_eq!(put.encode(), [2, 1, 0, 0, 0, b'k', 1, 0, 0, 0, b'v', 0]);
        assert_eq!(Reply::Done.encode(), [1], "the reply the CLI checks for");
    }

    #[test]
    fn an_operation_round_trips_through_the_url() {
        for op in ops() {
            let bytes = op.encode();
            let url = url_with(&bytes);
            assert!(url.starts_with(OBJECT_URL));
            let back = op_in_url(&url).unwrap().expect("in the URL");
            assert_eq!(Op::decode(&back).unwrap(), op);
        }
        assert_eq!(op_in_url(OBJECT_URL), Ok(None), "the body carries it");
        assert_eq!(url_with(&[0x01, 0xab]), format!("{OBJECT_URL}01ab"));
        for bad in ["0", "0g", "AB", "01/02", "%01"] {
            assert!(
                op_in_url(&format!("{OBJECT_URL}{bad}")).is_err(),
                "{bad} is refused"
            );
        }
    }

    #[test]
    fn malformed_messages_are_refused_without_panicking() {
        assert_eq!(Op::decode(&[]), Err(MalformedMessage("truncated")));
        assert_eq!(
            Op::decode(&[99]),
            Err(MalformedMessage("unknown operation"))
        );
        assert_eq!(Reply::decode(&[0]), Err(MalformedMessage("unknown reply")));
        // Every proper prefix of every message is refused, and so is a trailing byte.
        for op in ops() {
            let bytes = op.encode();
            for cut in 0..bytes.len() {
                assert!(Op::decode(&bytes[..cut]).is_err(), "{op:?} cut at {cut}");
            }
            let mut long = bytes.clone();
            long.push(0);
            assert_eq!(
                Op::decode(&long),
                Err(MalformedMessage("bytes after the end"))
            );
        }
        // A count far past the message does not allocate for it.
        let mut huge = vec![8u8];
        huge.extend_from_slice(&u32::MAX.to_le_bytes());
        assert_eq!(
            Op::decode(&huge),
            Err(MalformedMessage("a count exceeds the message"))
        );
        assert_eq!(
            Op::decode(&[1, 1, 0, 0, 0, 0xff]),
            Err(MalformedMessage("a key is not UTF-8"))
        );
    }
}
