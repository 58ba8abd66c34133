//! The `spin_sdk` implementation of [`BucketBackend`]: `wasi:keyvalue@0.2.0-draft2`, whose
//! bindings spin-sdk 6 generates in its hidden `experimental` module. Compiled only with the
//! `wasi-keyvalue` feature, so that only then does the component import `wasi:keyvalue`.

use std::rc::Rc;

use spin_sdk::experimental::wasi::keyvalue::atomics::{self, Cas, CasError};
use spin_sdk::experimental::wasi::keyvalue::batch;
use spin_sdk::experimental::wasi::keyvalue::store::{self, Bucket, Error};

use crate::error::SpinKvError;
use crate::kv::{BucketBackend, Found, KeyStream, KvBackend};

/// One opened `wasi:keyvalue` bucket: a label's atomics and batches, and, since the
/// component then does not import `spin:key-value`, its plain operations and listings too.
#[derive(Clone)]
pub(super) struct SdkBucket(Rc<Bucket>);

impl SdkBucket {
    /// `store.open(label)`: Spin opens the same backend as `spin:key-value` for `label`.
    pub(super) fn open(label: &str) -> Result<SdkBucket, SpinKvError> {
        store::open(label)
            .map(|bucket| SdkBucket(Rc::new(bucket)))
            .map_err(bucket_error)
    }
}

/// `wasi:keyvalue/store`'s error, which has the meanings of `spin:key-value`'s.
fn bucket_error(e: Error) -> SpinKvError {
    match e {
        Error::NoSuchStore => SpinKvError::NoSuchStore,
        Error::AccessDenied => SpinKvError::AccessDenied,
        Error::Other(m) => SpinKvError::Other(m),
    }
}

impl BucketBackend for SdkBucket {
    type Cas = Cas;

    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, SpinKvError> {
        self.0.get(key).map_err(bucket_error)
    }

    fn increment(&self, key: &str, delta: i64) -> Result<i64, SpinKvError> {
        atomics::increment(&self.0, key, delta).map_err(bucket_error)
    }

    fn cas(&self, key: &str) -> Result<Cas, SpinKvError> {
        Cas::new(&self.0, key).map_err(bucket_error)
    }

    fn current(&self, cas: &Cas) -> Result<Option<Vec<u8>>, SpinKvError> {
        cas.current().map_err(bucket_error)
    }

    fn swap(&self, cas: Cas, value: &[u8]) -> Result<bool, SpinKvError> {
        match atomics::swap(cas, value) {
            Ok(()) => Ok(true),
            Err(CasError::CasFailed(_)) => Ok(false),
            Err(CasError::StoreError(e)) => Err(bucket_error(e)),
        }
    }

    fn get_many(&self, keys: &[String]) -> Result<Found, SpinKvError> {
        batch::get_many(&self.0, keys).map_err(bucket_error)
    }

    fn set_many(&self, entries: &[(String, Vec<u8>)]) -> Result<(), SpinKvError> {
        batch::set_many(&self.0, entries).map_err(bucket_error)
    }

    fn delete_many(&self, keys: &[String]) -> Result<(), SpinKvError> {
        batch::delete_many(&self.0, keys).map_err(bucket_error)
    }
}

impl KvBackend for SdkBucket {
    type Keys = ListedKeys;

    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, SpinKvError> {
        self.0.get(key).map_err(bucket_error)
    }

    async fn set(&self, key: &str, value: &[u8]) -> Result<(), SpinKvError> {
        self.0.set(key, value).map_err(bucket_error)
    }

    async fn delete(&self, key: &str) -> Result<(), SpinKvError> {
        self.0.delete(key).map_err(bucket_error)
    }

    async fn exists(&self, key: &str) -> Result<bool, SpinKvError> {
        self.0.exists(key).map_err(bucket_error)
    }

    async fn get_keys(&self) -> ListedKeys {
        ListedKeys::page(&self.0, None)
    }
}

/// `list-keys` answers, one page at a time: Spin answers every key in one page without a
/// cursor; a host that pages is followed cursor by cursor as the keys are read.
pub(super) struct ListedKeys {
    bucket: Rc<Bucket>,
    keys: std::vec::IntoIter<String>,
    cursor: Option<String>,
    failed: Option<SpinKvError>,
}

impl ListedKeys {
    fn page(bucket: &Rc<Bucket>, cursor: Option<&str>) -> ListedKeys {
        let (keys, cursor, failed) = match bucket.list_keys(cursor) {
            Ok(page) => (page.keys, page.cursor, None),
            Err(e) => (Vec::new(), None, Some(bucket_error(e))),
        };
        ListedKeys {
            bucket: Rc::clone(bucket),
            keys: keys.into_iter(),
            cursor,
            failed,
        }
    }
}

impl KeyStream for ListedKeys {
    async fn next_key(&mut self) -> Option<String> {
        loop {
            if let Some(key) = self.keys.next() {
                return Some(key);
            }
            let cursor = self.cursor.take()?;
            let next = ListedKeys::page(&self.bucket, Some(&cursor));
            self.keys = next.keys;
            self.cursor = next.cursor;
            self.failed = next.failed;
        }
    }

    async fn finish(self) -> Result<(), SpinKvError> {
        self.failed.map_or(Ok(()), Err)
    }
}
