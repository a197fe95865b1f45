//! The server's one clock: every time it stores (audit rows, token use,
//! township changes, devices seen, projections) is taken here, in one
//! format, so rows from different tables compare as strings.

use chrono::{SecondsFormat, Utc};

/// Now, as every table stores times: RFC 3339 in UTC with milliseconds.
pub fn now() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true)
}
