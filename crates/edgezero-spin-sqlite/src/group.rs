//! Group commit: writes that arrive while a transaction is being committed share the next
//! one, so one flush to disk acknowledges many writes.
//!
//! Every write is a closure over a connection that is already inside a transaction. A
//! caller queues its write ([`WriteQueue::submit`]), takes the connection, and — unless the
//! write was already answered by the batch of a caller before it — runs every queued write
//! in one `BEGIN IMMEDIATE` transaction ([`WriteQueue::commit_pending`]), each in its own
//! savepoint: a write that fails rolls back alone and gets its own error, the others
//! commit. Nothing is answered before `COMMIT` returns, so an acknowledged write is on disk
//! (`synchronous = FULL`, in the write-ahead log a server turns on with
//! [`crate::serve_with_wal`], or in the rollback journal). A batch that SQLite rolls back, or
//! whose `COMMIT` fails, answers every write in it with the failure and none is visible
//! afterwards; only a commit whose flush to the log failed may still be found by SQLite's
//! recovery after a crash (the writes were then reported failed, never the reverse).
//! [`write`] is the whole protocol for a connection behind a mutex.
//!
//! Per-key atomicity is that of one transaction per write: the writes of a batch run one
//! after the other on the one connection, and `BEGIN IMMEDIATE` holds the file's write lock
//! from the first read of the batch to its commit, so no other connection (another process,
//! `spin up`) writes in between.
//!
//! [`in_transaction`] runs one write in a transaction of its own, for a caller that writes
//! alone (a command-line tool) and as the baseline the group-commit benchmark measures.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{sync_channel, Receiver};
use std::sync::{Mutex, PoisonError};

use rusqlite::Connection;

use crate::SqliteKvError;

/// A queued write and where its answer goes.
trait Job: Send {
    /// Runs the write inside the batch's transaction, in a savepoint of its own.
    fn run(&mut self, conn: &Connection);
    /// Whether the write failed because the file was moved away under the connection.
    fn moved(&self) -> bool;
    /// Sends the write's own result (its transaction committed).
    fn answer(self: Box<Self>);
    /// Sends `err` instead (its transaction did not commit).
    fn fail(self: Box<Self>, err: &SqliteKvError);
}

struct Write<T, F, R> {
    f: F,
    result: Option<Result<T, SqliteKvError>>,
    reply: R,
}

const SAVEPOINT: &str = "SAVEPOINT edgezero_write";
const RELEASE: &str = "RELEASE edgezero_write";
const UNDO: &str = "ROLLBACK TO edgezero_write; RELEASE edgezero_write";

impl<T, F, R> Job for Write<T, F, R>
where
    T: Send + 'static,
    F: FnMut(&Connection) -> Result<T, SqliteKvError> + Send + 'static,
    R: FnOnce(Result<T, SqliteKvError>) + Send + 'static,
{
    fn run(&mut self, conn: &Connection) {
        // Prepared once per connection: these run for every write of every batch.
        let run_cached = |sql| conn.prepare_cached(sql).and_then(|mut s| s.execute([]));
        let result = match run_cached(SAVEPOINT) {
            Err(source) => Err(statement("savepoint", source)),
            Ok(_) => match (self.f)(conn) {
                Ok(value) => run_cached(RELEASE)
                    .map(|_| value)
                    .map_err(|source| statement("savepoint", source)),
                Err(e) => {
                    // Undo what the write did before it failed; the batch goes on.
                    let _ = conn.execute_batch(UNDO);
                    Err(e)
                }
            },
        };
        self.result = Some(result);
    }

    fn moved(&self) -> bool {
        matches!(&self.result, Some(Err(e)) if crate::is_moved(e))
    }

    fn answer(self: Box<Self>) {
        let result = self.result.unwrap_or_else(|| {
            Err(SqliteKvError::NotCommitted {
                reason: "the write was never run".into(),
            })
        });
        (self.reply)(result);
    }

    fn fail(self: Box<Self>, err: &SqliteKvError) {
        (self.reply)(Err(err.duplicate()));
    }
}

fn statement(operation: &'static str, source: rusqlite::Error) -> SqliteKvError {
    SqliteKvError::Statement {
        operation,
        key: String::new(),
        source,
    }
}

/// What [`WriteQueue::commit_pending`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Batch {
    /// This many writes were committed together (and answered, failed writes included).
    Committed(usize),
    /// The file was moved away under the connection: nothing was committed and the writes
    /// are queued again, to run on a connection to the file now at the path.
    Moved,
}

/// Writes waiting for the next transaction.
#[derive(Default)]
pub struct WriteQueue {
    pending: Mutex<Vec<Box<dyn Job>>>,
    /// Whether a thread is committing the queue ([`WriteQueue::claim`]).
    busy: AtomicBool,
}

impl std::fmt::Debug for WriteQueue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WriteQueue")
            .field("pending", &self.take_len())
            .field("busy", &self.busy.load(Ordering::Relaxed))
            .finish()
    }
}

impl WriteQueue {
    /// An empty queue.
    pub fn new() -> Self {
        Self::default()
    }

    fn take_len(&self) -> usize {
        self.pending
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    /// Queues `f`; its answer arrives on the receiver once the transaction that runs it has
    /// committed, or failed. `f` may run twice (see [`Batch::Moved`]).
    pub fn submit<T, F>(&self, f: F) -> Receiver<Result<T, SqliteKvError>>
    where
        T: Send + 'static,
        F: FnMut(&Connection) -> Result<T, SqliteKvError> + Send + 'static,
    {
        let (reply, answer) = sync_channel::<Result<T, SqliteKvError>>(1);
        self.submit_with(f, move |result| {
            // The caller may have given up waiting; nothing to tell then.
            let _ = reply.send(result);
        });
        answer
    }

    /// Queues `f` and calls `reply` with its answer once the transaction that runs it has
    /// committed, or failed (on the thread that ran the batch).
    pub fn submit_with<T, F, R>(&self, f: F, reply: R)
    where
        T: Send + 'static,
        F: FnMut(&Connection) -> Result<T, SqliteKvError> + Send + 'static,
        R: FnOnce(Result<T, SqliteKvError>) + Send + 'static,
    {
        let job = Box::new(Write {
            f,
            result: None,
            reply,
        });
        self.pending
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(job);
    }

    /// Whether writes are waiting.
    pub fn is_empty(&self) -> bool {
        self.take_len() == 0
    }

    fn take(&self) -> Vec<Box<dyn Job>> {
        std::mem::take(&mut *self.pending.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// Runs every queued write in one transaction on `conn`, which the caller holds for
    /// itself, and answers each. With `retry_moved`, a file moved away under the connection
    /// queues the writes again and returns [`Batch::Moved`]; otherwise they fail with it.
    pub fn commit_pending(&self, conn: &mut Connection, retry_moved: bool) -> Batch {
        let mut jobs = self.take();
        if jobs.is_empty() {
            return Batch::Committed(0);
        }
        if let Err(source) = conn.execute_batch("BEGIN IMMEDIATE") {
            return self.abandon(jobs, statement("transaction", source), retry_moved);
        }
        for job in &mut jobs {
            job.run(conn);
            if conn.is_autocommit() {
                // SQLite rolled the whole transaction back after an error (a full disk, an
                // I/O error): nothing of the batch happened, and a savepoint run now would
                // commit on its own. Every write of the batch fails.
                break;
            }
        }
        let moved = jobs.iter().any(|j| j.moved());
        if moved || conn.is_autocommit() {
            if !conn.is_autocommit() {
                let _ = conn.execute_batch("ROLLBACK");
            }
            if moved {
                let err = SqliteKvError::NotCommitted {
                    reason: "the key-value file was moved or deleted while open".into(),
                };
                return self.abandon_moved(jobs, err, retry_moved);
            }
            let err = SqliteKvError::NotCommitted {
                reason: "SQLite rolled the transaction back after an error".into(),
            };
            return self.abandon(jobs, err, retry_moved);
        }
        if let Err(source) = conn.execute_batch("COMMIT") {
            // A failed COMMIT may leave the transaction open (SQLITE_BUSY): end it.
            let _ = conn.execute_batch("ROLLBACK");
            return self.abandon(jobs, statement("commit", source), retry_moved);
        }
        let n = jobs.len();
        for job in jobs {
            job.answer();
        }
        Batch::Committed(n)
    }

    /// Ends a batch that did not commit: queued again when the file moved (and a retry is
    /// wanted), otherwise every write is answered with `err`.
    fn abandon(&self, jobs: Vec<Box<dyn Job>>, err: SqliteKvError, retry_moved: bool) -> Batch {
        if crate::is_moved(&err) {
            return self.abandon_moved(jobs, err, retry_moved);
        }
        for job in jobs {
            job.fail(&err);
        }
        Batch::Committed(0)
    }

    fn abandon_moved(&self, jobs: Vec<Box<dyn Job>>, err: SqliteKvError, retry: bool) -> Batch {
        if retry {
            let mut pending = self.pending.lock().unwrap_or_else(PoisonError::into_inner);
            let later = std::mem::replace(&mut *pending, jobs);
            pending.extend(later);
            return Batch::Moved;
        }
        for job in jobs {
            job.fail(&err);
        }
        Batch::Committed(0)
    }

    /// Makes the calling thread the committer of the queue, unless another thread is. The
    /// committer then calls [`WriteQueue::commit_while_queued`]; every other writer only
    /// waits for its answer, without touching the connection.
    pub fn claim(&self) -> bool {
        !self.busy.swap(true, Ordering::AcqRel)
    }

    /// For the thread that [claimed](WriteQueue::claim) the queue: commits batch after batch
    /// on the connection in `slot` (`connect` gives it, reopening the file when asked to)
    /// while writes are queued, then gives up the claim.
    pub fn commit_while_queued<S>(
        &self,
        slot: &Mutex<S>,
        mut connect: impl FnMut(&mut S, bool) -> Result<&mut Connection, SqliteKvError>,
    ) {
        loop {
            {
                let mut guard = slot.lock().unwrap_or_else(PoisonError::into_inner);
                while !self.is_empty() {
                    let mut reopen = false;
                    loop {
                        match connect(&mut guard, reopen) {
                            Err(e) => {
                                self.fail_pending(&e);
                                break;
                            }
                            Ok(conn) => match self.commit_pending(conn, !reopen) {
                                Batch::Moved => reopen = true,
                                Batch::Committed(_) => break,
                            },
                        }
                    }
                }
            }
            self.busy.store(false, Ordering::Release);
            // A write queued after the last look but before the claim was given up found the
            // queue claimed and waits: take the claim back for it.
            if self.is_empty() || !self.claim() {
                return;
            }
        }
    }

    /// Answers every queued write with `err` (the connection could not be opened).
    pub fn fail_pending(&self, err: &SqliteKvError) {
        for job in self.take() {
            job.fail(err);
        }
    }
}

/// Runs `f` as a group-committed write and blocks until its transaction has committed:
/// queues it and, unless another thread is committing the queue, commits it (and whatever
/// else is queued meanwhile) on the connection in `slot` (`connect` gives it, reopening the
/// file when asked to).
///
/// When the file was moved away under the connection, `connect` is called once more with
/// `reopen = true` and the batch runs again there.
pub fn write<S, T, F>(
    queue: &WriteQueue,
    slot: &Mutex<S>,
    connect: impl FnMut(&mut S, bool) -> Result<&mut Connection, SqliteKvError>,
    f: F,
) -> Result<T, SqliteKvError>
where
    T: Send + 'static,
    F: FnMut(&Connection) -> Result<T, SqliteKvError> + Send + 'static,
{
    let answer = queue.submit(f);
    if queue.claim() {
        queue.commit_while_queued(slot, connect);
    }
    answer.recv().unwrap_or_else(|_| {
        Err(SqliteKvError::NotCommitted {
            reason: "the write was dropped before it ran".into(),
        })
    })
}

/// Runs `f` in a transaction of its own (`BEGIN IMMEDIATE` … `COMMIT`): all of it or, when
/// it fails, none.
pub fn in_transaction<T>(
    conn: &mut Connection,
    f: impl FnOnce(&Connection) -> Result<T, SqliteKvError>,
) -> Result<T, SqliteKvError> {
    let tx = conn
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .map_err(|source| statement("transaction", source))?;
    let value = f(&tx)?;
    tx.commit().map_err(|source| statement("commit", source))?;
    Ok(value)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::{get, open, set};

    #[test]
    fn queued_writes_commit_together_and_a_failing_one_rolls_back_alone() {
        let queue = WriteQueue::new();
        let mut conn = crate::open_in_memory().unwrap();
        let a = queue.submit(|c| set(c, "s", "a", b"1"));
        let bad = queue.submit(|c| {
            set(c, "s", "half", b"written")?;
            Err::<(), _>(SqliteKvError::NotCommitted {
                reason: "refused".into(),
            })
        });
        let b = queue.submit(|c| set(c, "s", "b", b"2").map(|()| 7));
        assert_eq!(queue.commit_pending(&mut conn, true), Batch::Committed(3));
        a.recv().unwrap().unwrap();
        assert!(bad.recv().unwrap().is_err());
        assert_eq!(b.recv().unwrap().unwrap(), 7);
        assert_eq!(get(&conn, "s", "a").unwrap().as_deref(), Some(&b"1"[..]));
        assert_eq!(get(&conn, "s", "b").unwrap().as_deref(), Some(&b"2"[..]));
        assert_eq!(get(&conn, "s", "half").unwrap(), None, "rolled back alone");
    }

    #[test]
    fn a_batch_sqlite_rolled_back_fails_every_write_and_commits_none() {
        let queue = WriteQueue::new();
        let mut conn = crate::open_in_memory().unwrap();
        let a = queue.submit(|c| set(c, "s", "a", b"1"));
        // What SQLite does on a full disk or an I/O error: the whole transaction goes.
        let b = queue.submit(|c| {
            c.execute_batch("ROLLBACK").unwrap();
            Err::<(), _>(SqliteKvError::NotCommitted {
                reason: "disk full".into(),
            })
        });
        let later = queue.submit(|c| set(c, "s", "later", b"2"));
        queue.commit_pending(&mut conn, true);
        for answer in [a, b, later] {
            assert!(answer.recv().unwrap().is_err());
        }
        assert_eq!(get(&conn, "s", "a").unwrap(), None);
        assert_eq!(
            get(&conn, "s", "later").unwrap(),
            None,
            "not committed on its own"
        );
    }

    #[test]
    fn a_commit_that_fails_answers_every_write_with_the_failure() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kv.db");
        let mut conn = open(&path).unwrap();
        // Another connection holds the write lock past the busy timeout.
        let other = open(&path).unwrap();
        other.execute_batch("BEGIN IMMEDIATE").unwrap();
        conn.busy_timeout(std::time::Duration::from_millis(50))
            .unwrap();
        let queue = WriteQueue::new();
        let a = queue.submit(|c| set(c, "s", "a", b"1"));
        let b = queue.submit(|c| set(c, "s", "b", b"2"));
        queue.commit_pending(&mut conn, true);
        assert!(a.recv().unwrap().is_err());
        assert!(b.recv().unwrap().is_err());
        other.execute_batch("ROLLBACK").unwrap();
        assert_eq!(get(&conn, "s", "a").unwrap(), None);
    }

    #[test]
    fn concurrent_writers_share_transactions_and_lose_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kv.db");
        let slot = Arc::new(Mutex::new(open(&path).unwrap()));
        let queue = Arc::new(WriteQueue::new());
        let threads: Vec<_> = (0..8)
            .map(|t| {
                let (slot, queue) = (Arc::clone(&slot), Arc::clone(&queue));
                std::thread::spawn(move || {
                    for i in 0..50 {
                        let key = format!("k{t}-{i}");
                        write(
                            &queue,
                            &slot,
                            |c, _| Ok(c),
                            move |c| {
                                crate::atomics::increment_in(c, "s", "n", 1)?.map_err(|_| {
                                    SqliteKvError::NotCommitted { reason: "x".into() }
                                })?;
                                set(c, "s", &key, b"v")
                            },
                        )
                        .unwrap();
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        let conn = open(&path).unwrap();
        let n = get(&conn, "s", "n").unwrap().unwrap();
        assert_eq!(i64::from_le_bytes(n.try_into().unwrap()), 400);
        assert_eq!(crate::keys(&conn, "s").unwrap().len(), 401);
    }
}
