//! How far each township's report rows are behind its document, for the
//! metrics: a change arriving stamps `townships.last_change_at`; rows
//! written (or confirmed current) stamp `p_state.projected_at`. While the
//! first is later than the second, the newest change has been waiting
//! since it arrived. Both are the server clock's RFC 3339 strings.

use chrono::{DateTime, Utc};
use rusqlite::Connection;

use crate::db::DbError;

/// Seconds each township's newest change has waited for its rows at `now`
/// (0 when the rows show it), by township code.
pub fn lags(conn: &Connection, now: DateTime<Utc>) -> Result<Vec<(String, f64)>, DbError> {
    let mut stmt = conn.prepare_cached(
        "SELECT t.code, t.last_change_at, s.projected_at
         FROM townships t LEFT JOIN p_state s ON s.township = t.code
         ORDER BY t.code",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, Option<String>>(1)?,
            r.get::<_, Option<String>>(2)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (code, changed, projected) = row?;
        out.push((code, lag(changed.as_deref(), projected.as_deref(), now)));
    }
    Ok(out)
}

/// The lag of one township: 0 with no change yet or rows stamped at or
/// after it; otherwise the seconds from the change to `now`. A stamp that
/// does not parse counts as absent.
pub fn lag(changed: Option<&str>, projected: Option<&str>, now: DateTime<Utc>) -> f64 {
    let parse = |s: Option<&str>| s.and_then(|s| DateTime::parse_from_rfc3339(s).ok());
    let Some(changed) = parse(changed) else {
        return 0.0;
    };
    if parse(projected).is_some_and(|p| p >= changed) {
        return 0.0;
    }
    (now - changed.with_timezone(&Utc))
        .to_std()
        .map_or(0.0, |d| d.as_secs_f64())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lag_counts_from_the_newest_change_until_rows_show_it() {
        let now = DateTime::parse_from_rfc3339("2026-11-24T08:00:30.000Z")
            .expect("time")
            .with_timezone(&Utc);
        let changed = Some("2026-11-24T08:00:00.000Z");
        assert_eq!(lag(changed, None, now), 30.0);
        assert_eq!(lag(changed, Some("2026-11-24T07:59:00.000Z"), now), 30.0);
        assert_eq!(lag(changed, Some("2026-11-24T08:00:01.500Z"), now), 0.0);
        assert_eq!(lag(None, None, now), 0.0);
        assert_eq!(lag(Some("garbage"), None, now), 0.0);
        // A clock set back: no negative lag.
        assert_eq!(lag(Some("2026-11-24T09:00:00.000Z"), None, now), 0.0);
    }
}
