//! Waiting on a positive signal: poll a condition until it holds, bounded,
//! instead of sleeping and hoping it has happened.

use std::fmt;
use std::time::{Duration, Instant};

/// How often [`eventually`] polls: ten requests a second stay well under
/// the server's default `--api-rate` (20 a second per token).
pub const POLL_EVERY: Duration = Duration::from_millis(100);

/// What a polled check returns: `true`, `Some(value)` or `Ok(value)` when
/// it holds; `Err(last)` carries what it saw instead, for the panic message.
pub trait Outcome {
    type Value;
    type Failure: fmt::Debug;
    fn into_result(self) -> Result<Self::Value, Self::Failure>;
}

/// A check that gave `false` or `None`.
pub struct NotYet;

impl fmt::Debug for NotYet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("not yet")
    }
}

impl Outcome for bool {
    type Value = ();
    type Failure = NotYet;
    fn into_result(self) -> Result<(), NotYet> {
        self.then_some(()).ok_or(NotYet)
    }
}

impl<T> Outcome for Option<T> {
    type Value = T;
    type Failure = NotYet;
    fn into_result(self) -> Result<T, NotYet> {
        self.ok_or(NotYet)
    }
}

impl<T, E: fmt::Debug> Outcome for Result<T, E> {
    type Value = T;
    type Failure = E;
    fn into_result(self) -> Result<T, E> {
        self
    }
}

/// Poll `check` every `every` until it holds, for at most `within`: its
/// value, or what it last saw once the time is up. For a test that reports
/// a missed deadline itself; [`eventually`] fails the test instead.
pub async fn poll<R: Outcome>(
    within: Duration,
    every: Duration,
    mut check: impl AsyncFnMut() -> R,
) -> Result<R::Value, R::Failure> {
    let deadline = Instant::now() + within;
    loop {
        match check().await.into_result() {
            Ok(value) => return Ok(value),
            Err(last) if Instant::now() >= deadline => return Err(last),
            Err(_) => tokio::time::sleep(every).await,
        }
    }
}

/// Poll `check` (every [`POLL_EVERY`]) until it holds; fail naming `what`
/// and what the check last saw after `within`.
pub async fn eventually<R: Outcome>(
    within: Duration,
    what: &str,
    check: impl AsyncFnMut() -> R,
) -> R::Value {
    eventually_every(within, POLL_EVERY, what, check).await
}

/// [`eventually`], polling every `every` (longer under a tight `--api-rate`).
pub async fn eventually_every<R: Outcome>(
    within: Duration,
    every: Duration,
    what: &str,
    check: impl AsyncFnMut() -> R,
) -> R::Value {
    poll(within, every, check)
        .await
        .unwrap_or_else(|last| panic!("not within {within:?}: {what}; last seen: {last:#?}"))
}
