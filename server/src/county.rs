//! The `county` table: the county this server serves, named once with
//! `qunjian-server county set`, and which name is in effect.
//!
//! A county can also be named in the rules file (`county_name`,
//! `county_code`). The database wins: `county set` is an act on this one
//! installation, done after the fact by whoever runs it, while a rules file
//! is policy (thresholds, targets) that a city may hand to all its
//! counties, name included. So what `county set` stored is what every
//! report shows, and the rules file's name fills in only until it is used.
//! The table is read on every request, so `county set` on a running server
//! shows in the next report without a restart.

use qunjian_shared::county::{self, County, CountyError};
use qunjian_shared::rules::Rules;
use rusqlite::{Connection, OptionalExtension, params};

use crate::audit::{self, Entry, Event};
use crate::db::{self, DbError};

/// One row at most (`id` is always 1).
pub const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS county (
    id     INTEGER PRIMARY KEY CHECK (id = 1),
    code   TEXT NOT NULL,
    name   TEXT NOT NULL,
    set_at TEXT NOT NULL
);
";

/// Why `county set` refused.
#[derive(Debug, thiserror::Error)]
pub enum SetError {
    /// The code or name cannot name a county.
    #[error(transparent)]
    Invalid(#[from] CountyError),
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<rusqlite::Error> for SetError {
    fn from(e: rusqlite::Error) -> Self {
        SetError::Db(e.into())
    }
}

/// Check `code` and `name` and store them, replacing any county set
/// before, with an audit row (`county-set`) in the same transaction;
/// returns what was stored (trimmed).
pub fn set(conn: &Connection, code: &str, name: &str) -> Result<County, SetError> {
    let code = county::check_code(code)?;
    let name = county::check_name(name)?;
    let entry = Entry::new(Event::CountySet).detail(format!("{code} {name}"));
    db::in_transaction(conn, |tx| -> Result<(), SetError> {
        tx.execute(
            "INSERT INTO county (id, code, name, set_at) VALUES (1, ?1, ?2, ?3)
             ON CONFLICT (id) DO UPDATE SET code = ?1, name = ?2, set_at = ?3",
            params![code, name, entry.at],
        )?;
        audit::insert(tx, std::slice::from_ref(&entry))?;
        Ok(())
    })?;
    Ok(County {
        code: Some(code),
        name,
    })
}

/// The county `county set` stored, if any.
pub fn stored(conn: &Connection) -> Result<Option<County>, DbError> {
    Ok(conn
        .query_row("SELECT code, name FROM county WHERE id = 1", [], |r| {
            Ok(County {
                code: Some(r.get(0)?),
                name: r.get(1)?,
            })
        })
        .optional()?)
}

/// The county in effect: what `county set` stored, else the rules file's
/// name and code, else [`county::UNNAMED`] with no code.
pub fn in_effect(stored: Option<County>, rules: &Rules) -> County {
    stored.unwrap_or_else(|| from_rules(rules))
}

/// The county the rules file names (its defaults name none).
pub fn from_rules(rules: &Rules) -> County {
    let code = rules.county_code.trim();
    let name = rules.county_name.trim();
    County {
        code: (!code.is_empty()).then(|| code.to_string()),
        name: if name.is_empty() {
            county::UNNAMED.to_string()
        } else {
            name.to_string()
        },
    }
}

/// [`in_effect`], read from the database.
pub fn read(conn: &Connection, rules: &Rules) -> Result<County, DbError> {
    Ok(in_effect(stored(conn)?, rules))
}

/// `rules` with the county in effect written into its `county_name` and
/// `county_code`, for a device that reads the county from the rules
/// (`GET /api/rules`).
pub fn apply(rules: &Rules, county: &County) -> Rules {
    Rules {
        county_name: county.name.clone(),
        county_code: county.code.clone().unwrap_or_default(),
        ..rules.clone()
    }
}

/// Township codes that do not start with `code`: a 9-digit township code
/// begins with its county's 6, so these were most likely typed wrong (or
/// the county's code was). Only a warning: a county may have been split or
/// merged since the codes were given.
pub fn townships_outside(code: &str, townships: &[(String, String)]) -> Vec<String> {
    townships
        .iter()
        .filter(|(t, _)| !t.starts_with(code))
        .map(|(t, name)| format!("{t} {name}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conn() -> Connection {
        let conn = Connection::open_in_memory().expect("memory db");
        conn.execute_batch(SCHEMA).expect("schema");
        conn.execute_batch(audit::SCHEMA).expect("audit schema");
        conn
    }

    #[test]
    fn the_database_wins_over_the_rules_file() {
        let conn = conn();
        let rules = Rules {
            county_name: "衢江区".into(),
            county_code: "330803".into(),
            ..Rules::default()
        };
        assert_eq!(
            read(&conn, &Rules::default()).expect("read"),
            County::default()
        );
        assert_eq!(
            read(&conn, &rules).expect("read"),
            County {
                code: Some("330803".into()),
                name: "衢江区".into()
            }
        );
        set(&conn, "330825", " 龙游县 ").expect("set");
        set(&conn, "330825", "龙游县").expect("set again");
        let county = read(&conn, &rules).expect("read");
        assert_eq!(county.name, "龙游县");
        assert_eq!(apply(&rules, &county).county_code, "330825");
    }

    #[test]
    fn bad_input_stores_nothing() {
        let conn = conn();
        assert!(matches!(
            set(&conn, "3308", "龙游县"),
            Err(SetError::Invalid(CountyError::Code(_)))
        ));
        assert!(matches!(
            set(&conn, "330825", ""),
            Err(SetError::Invalid(CountyError::EmptyName))
        ));
        assert_eq!(stored(&conn).expect("read"), None);
    }

    #[test]
    fn townships_of_another_county_are_named() {
        let towns = [
            ("330825101".to_string(), "城关镇".to_string()),
            ("330803101".to_string(), "樟潭街道".to_string()),
        ];
        assert_eq!(townships_outside("330825", &towns), ["330803101 樟潭街道"]);
    }
}
