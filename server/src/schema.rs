//! Opening the server's database with every table in place.
//!
//! Each table belongs to the module that reads and writes it (`townships`,
//! `county`, `projection::tables`, `peers`, `auth::tokens`, `audit`), which
//! states its `SCHEMA`. This module sits above all of them and `db`, so `db` knows
//! connections and nothing of what is in them, and no table module has to
//! import another to be set up.

use std::path::Path;

use rusqlite::Connection;

use crate::db::{self, Db, DbError};
use crate::{audit, auth, county, peers, projection, townships};

/// Every table, in the order they are created (all `IF NOT EXISTS`, so
/// opening an existing database changes nothing).
const TABLES: [&str; 6] = [
    townships::SCHEMA,
    county::SCHEMA,
    projection::tables::SCHEMA,
    peers::SCHEMA,
    auth::tokens::SCHEMA,
    audit::SCHEMA,
];

/// Open (creating if needed) the data directory and its database, with
/// every table of the server.
pub fn open(data_dir: &Path) -> Result<Connection, DbError> {
    let conn = db::connect(data_dir)?;
    for sql in TABLES {
        conn.execute_batch(sql).map_err(|source| DbError::Open {
            path: db::db_path(data_dir),
            source,
        })?;
    }
    projection::tables::upgrade(&conn).map_err(|source| DbError::Open {
        path: db::db_path(data_dir),
        source,
    })?;
    Ok(conn)
}

/// [`open`], as the running server's [`Db`].
pub fn open_db(data_dir: &Path) -> Result<Db, DbError> {
    Ok(Db::new(open(data_dir)?, data_dir))
}
