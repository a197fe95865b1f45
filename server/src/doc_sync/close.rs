//! Why a sync connection ended, as the WebSocket close frame says it: the
//! code (RFC 6455 §7.4.1), a reason a person can read, and how the read
//! errors axum reports map onto them.

use std::sync::{Arc, Mutex};

use crate::lock::lock;

/// The close codes the server sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CloseCode {
    /// The peer or the network ended it.
    Normal,
    /// Idle, link lost, or the server stopping.
    GoingAway,
    /// The peer sent what its token may not (or a revoked token).
    Policy,
    /// A message over `--max-message-mb`.
    TooBig,
}

impl CloseCode {
    /// The number on the wire.
    pub fn code(self) -> u16 {
        match self {
            CloseCode::Normal => 1000,
            CloseCode::GoingAway => 1001,
            CloseCode::Policy => 1008,
            CloseCode::TooBig => 1009,
        }
    }
}

/// A close code with its reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Close {
    /// The code.
    pub code: CloseCode,
    /// Why, for the log, the audit and the peer.
    pub reason: String,
}

impl Close {
    /// A close with `code` and `reason`.
    pub fn new(code: CloseCode, reason: impl Into<String>) -> Self {
        Close {
            code,
            reason: reason.into(),
        }
    }
}

/// Why the server ended a connection, set once by whoever ends it (the
/// reader refusing a message, or the write side).
#[derive(Clone, Default)]
pub struct Closing(Arc<Mutex<Option<Close>>>);

impl Closing {
    /// Record why, unless a reason is recorded already.
    pub fn set(&self, close: Close) {
        let mut slot = lock(&self.0);
        if slot.is_none() {
            *slot = Some(close);
        }
    }

    /// The recorded reason, if any.
    pub fn take(&self) -> Option<Close> {
        lock(&self.0).take()
    }
}

/// A close frame's reason is at most 123 bytes (RFC 6455 §5.5); cut on a
/// character boundary so a Chinese reason stays valid UTF-8.
pub fn fit_close_reason(reason: &str) -> &str {
    let mut end = reason.len().min(123);
    while !reason.is_char_boundary(end) {
        end -= 1;
    }
    &reason[..end]
}

/// What a failed read means.
#[derive(Debug, PartialEq, Eq)]
pub enum ReadError {
    /// The link dropped (a phone losing signal): not the peer's fault.
    Gone,
    /// Over `--max-message-mb`.
    TooBig,
    /// Bytes that are not a valid WebSocket frame.
    Malformed,
}

/// Classify a read error by its text: axum hides tungstenite's error type
/// behind its own, so the message is all there is.
pub fn read_error(text: &str) -> ReadError {
    const GONE: [&str; 6] = [
        "without closing handshake",
        "Connection reset",
        "Broken pipe",
        "Connection closed normally",
        "with closed connection",
        "IO error",
    ];
    if text.contains("too long") || text.contains("Space limit") {
        ReadError::TooBig
    } else if GONE.iter().any(|g| text.contains(g)) {
        ReadError::Gone
    } else {
        ReadError::Malformed
    }
}

#[cfg(test)]
mod tests {
    use super::{ReadError, fit_close_reason, read_error};

    #[test]
    fn a_dropped_link_is_not_a_violation_but_a_bad_frame_is() {
        // The texts tungstenite 0.26/0.27 produce, through axum's error.
        assert_eq!(
            read_error("WebSocket protocol error: Connection reset without closing handshake"),
            ReadError::Gone
        );
        assert_eq!(
            read_error("IO error: Connection reset by peer (os error 104)"),
            ReadError::Gone
        );
        assert_eq!(
            read_error("Space limit exceeded: Message too long: 1572864 > 1048576"),
            ReadError::TooBig
        );
        assert_eq!(
            read_error("WebSocket protocol error: Reserved bits are non-zero"),
            ReadError::Malformed
        );
    }

    #[test]
    fn close_reasons_fit_the_frame_and_stay_utf8() {
        let long = "令牌已被吊销".repeat(20);
        let cut = fit_close_reason(&long);
        assert!(cut.len() <= 123);
        assert!(long.starts_with(cut));
        assert_eq!(fit_close_reason("idle"), "idle");
    }
}
