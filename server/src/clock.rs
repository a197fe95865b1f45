//! The server's one clock: every time it stores (audit rows, token use,
//! township changes, devices seen, projections) is taken here, in one
//! format, so rows from different tables compare as strings.

use chrono::{SecondsFormat, Utc};

/// Now, as every table stores times: RFC 3339 in UTC with milliseconds.
pub fn now() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// The years a date given by a client may fall in. The county's records
/// start with organizations founded in the last century, and stored times
/// compare as strings, which holds only for four-digit years with no sign:
/// so 1900–2999, and `-2026-01-01` or `0000-01-01` are typing mistakes.
pub const YEARS: std::ops::RangeInclusive<i32> = 1900..=2999;
