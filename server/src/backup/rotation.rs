//! The names of scheduled backups and which of them to delete: pure
//! functions over file names, so the rules are tested without a clock.
//!
//! A scheduled backup is `qunjian-YYYYMMDDTHHMMSSZ.db`, its UTC start time
//! in the name: names sort as times do, and the newest one tells a
//! restarted server when the next backup is due. Only files of exactly
//! this shape are ever deleted; anything else in the directory (a backup
//! taken by hand, an operator's notes) is left alone.

use chrono::{DateTime, NaiveDateTime, Utc};

use super::durable_file::PART;

const PREFIX: &str = "qunjian-";
const SUFFIX: &str = ".db";
const TIME: &str = "%Y%m%dT%H%M%SZ";

/// The file name of a backup started at `at`.
pub fn file_name(at: DateTime<Utc>) -> String {
    format!("{PREFIX}{}{SUFFIX}", at.format(TIME))
}

/// When the backup named `name` was started, if `name` is a scheduled
/// backup's.
pub fn started(name: &str) -> Option<DateTime<Utc>> {
    let time = name.strip_prefix(PREFIX)?.strip_suffix(SUFFIX)?;
    NaiveDateTime::parse_from_str(time, TIME)
        .ok()
        .map(|t| t.and_utc())
}

/// The newest scheduled backup among `names`.
pub fn newest<'a>(names: impl IntoIterator<Item = &'a str>) -> Option<DateTime<Utc>> {
    names.into_iter().filter_map(started).max()
}

/// What to delete once a backup is complete: the scheduled backups beyond
/// the newest `keep`, and `.part` files a scheduled backup left when the
/// process died mid-write (the scheduler writes one backup at a time, so
/// none of them is being written when it asks).
pub fn to_remove(names: &[String], keep: usize) -> Vec<String> {
    let mut backups: Vec<(DateTime<Utc>, &String)> = names
        .iter()
        .filter_map(|n| started(n).map(|t| (t, n)))
        .collect();
    backups.sort_by_key(|b| std::cmp::Reverse(b.0));
    let mut out: Vec<String> = backups
        .into_iter()
        .skip(keep)
        .map(|(_, n)| n.clone())
        .collect();
    out.extend(
        names
            .iter()
            .filter(|n| n.strip_suffix(PART).is_some_and(|b| started(b).is_some()))
            .cloned(),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(h: u32, m: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 1, h, m, s)
            .single()
            .expect("time")
    }

    #[test]
    fn a_name_holds_its_utc_start_and_reads_back() {
        let name = file_name(at(2, 30, 5));
        assert_eq!(name, "qunjian-20260301T023005Z.db");
        assert_eq!(started(&name), Some(at(2, 30, 5)));
        for other in [
            "qunjian.db",
            "qunjian-20260301T023005Z.db.part",
            "qunjian-2026-03-01.db",
            "notes.txt",
            "qunjian-20261301T023005Z.db",
        ] {
            assert_eq!(started(other), None, "{other}");
        }
    }

    #[test]
    fn the_newest_are_kept_and_only_scheduled_backups_are_removed() {
        let names: Vec<String> = vec![
            file_name(at(1, 0, 0)),
            file_name(at(3, 0, 0)),
            "hand-made.db".into(),
            file_name(at(2, 0, 0)),
            format!("{}.part", file_name(at(0, 30, 0))),
            "notes.txt.part".into(),
            file_name(at(4, 0, 0)),
        ];
        let removed = to_remove(&names, 2);
        assert_eq!(
            removed,
            vec![
                file_name(at(2, 0, 0)),
                file_name(at(1, 0, 0)),
                format!("{}.part", file_name(at(0, 30, 0))),
            ]
        );
        assert_eq!(newest(names.iter().map(String::as_str)), Some(at(4, 0, 0)));
        assert!(to_remove(&names[..3], 14).is_empty());
    }
}
