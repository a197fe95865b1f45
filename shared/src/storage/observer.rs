//! What each commit attempt took, told to whoever watches the storage (the
//! county server's metrics), since the writer thread is the only place that
//! knows. The storage itself keeps no figures beyond `health`: it reports
//! each attempt and the watcher decides what to count.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// One attempt to commit a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommitAttempt {
    /// The batch of `writes` puts and deletes is durable; it took `took`
    /// (the transaction and its fsync).
    Committed {
        /// Puts and deletes in the batch.
        writes: usize,
        /// From `BEGIN` to the end of `COMMIT`.
        took: Duration,
    },
    /// The batch was rolled back and will be retried.
    Failed {
        /// Puts and deletes in the batch.
        writes: usize,
        /// Until the failure.
        took: Duration,
    },
}

/// A function called on the writer thread after every commit attempt. It
/// must be quick (it holds up the next commit) and must not block.
#[derive(Clone)]
pub struct CommitObserver(Arc<dyn Fn(CommitAttempt) + Send + Sync>);

impl CommitObserver {
    /// Call `f` after every commit attempt.
    pub fn new(f: impl Fn(CommitAttempt) + Send + Sync + 'static) -> Self {
        CommitObserver(Arc::new(f))
    }

    pub(crate) fn tell(&self, attempt: CommitAttempt) {
        (self.0)(attempt);
    }
}

impl fmt::Debug for CommitObserver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CommitObserver(..)")
    }
}
