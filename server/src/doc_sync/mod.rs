//! One sync connection's life between the WebSocket and samod, once
//! `http::sync` has checked the token and upgraded: `session` runs the
//! socket, `frame` reads just enough of each automerge-repo message for
//! `policy` to judge it (a pure function: header and access in, verdict
//! out), `tally` counts what arrived for the audit, `close` says why a
//! connection ended, and `hold` keeps each reply back until the server's
//! file has the changes it names.

pub mod close;
pub mod frame;
pub mod hold;
pub mod policy;
pub mod session;
pub mod tally;
