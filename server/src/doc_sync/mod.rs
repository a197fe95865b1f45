//! One sync connection's life between the WebSocket and samod, once
//! `http::sync` has checked the token and upgraded: `session` runs the
//! socket, `frame` reads just enough of each automerge-repo message to
//! judge it.

pub mod frame;
pub mod session;
