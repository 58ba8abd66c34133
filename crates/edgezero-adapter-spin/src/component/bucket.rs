//! The `spin_sdk` implementation of [`BucketBackend`]: `wasi:keyvalue@0.2.0-draft2`, whose
//! bindings spin-sdk 6 generates in its hidden `experimental` module. Compiled only with the
//! `wasi-keyvalue` feature, so that only then does the component import `wasi:keyvalue`.

use spin_sdk::experimental::wasi::keyvalue::atomics::{self, Cas, CasError};
use spin_sdk::experimental::wasi::keyvalue::batch;
use spin_sdk::experimental::wasi::keyvalue::store::{self, Bucket, Error};

use crate::error::SpinKvError;
use crate::kv::{BucketBackend, Found};

/// One opened `wasi:keyvalue` bucket.
pub(super) struct SdkBucket(Bucket);

impl SdkBucket {
    /// `store.open(label)`: Spin opens the same backend as `spin:key-value` for `label`.
    pub(super) fn open(label: &str) -> Result<SdkBucket, SpinKvError> {
        store::open(label).map(SdkBucket).map_err(bucket_error)
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
