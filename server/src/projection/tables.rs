//! The projection tables: each township document flattened into rows the
//! reports query with SQL.
//!
//! Every row carries its township's code, and a township's rows are only ever
//! replaced all together (`write.rs`), so the tables are always a faithful
//! copy of one version of each document — never half of one and half of the
//! next. Units keep their whole record as JSON too: the rules engine works
//! on typed units, and reading them back from JSON is cheaper and less
//! error-prone than rebuilding them from columns.

use rusqlite::Connection;

/// Created at every open; `IF NOT EXISTS` keeps it idempotent.
pub const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS p_units (
    township     TEXT NOT NULL,
    id           TEXT NOT NULL,
    name         TEXT NOT NULL,
    kind         TEXT NOT NULL,
    parent       TEXT,
    credit_code  TEXT,
    employees    INTEGER,
    female_staff INTEGER,
    youth        INTEGER,
    opened       TEXT,
    archived     INTEGER NOT NULL,
    record       TEXT NOT NULL,
    -- 妇代会主任进村两委 (women_org.chair_on_committees), for SQL readers;
    -- added by `upgrade` to a database projected before it existed.
    women_chair_on_committees INTEGER,
    PRIMARY KEY (township, id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS p_units_credit_code ON p_units (credit_code)
    WHERE credit_code IS NOT NULL;

CREATE TABLE IF NOT EXISTS p_organizations (
    township    TEXT NOT NULL,
    unit_id     TEXT NOT NULL,
    org         TEXT NOT NULL,
    formed      INTEGER NOT NULL,
    form        TEXT,
    established TEXT,
    leader      TEXT,
    PRIMARY KEY (township, unit_id, org)
) WITHOUT ROWID;

-- The township's own 妇联 (federation), 团委 (league_committee) and 总工会
-- (union_federation), one row each: `formed` is the flag as recorded (a
-- founding date alone also counts, as for units), `leader` the chair or
-- secretary and `leader_full_time` whether they are full-time (NULL: not
-- recorded). The coverage report's full-time 妇联 chair counts these.
CREATE TABLE IF NOT EXISTS p_township_orgs (
    township         TEXT NOT NULL,
    org              TEXT NOT NULL,
    formed           INTEGER NOT NULL,
    established      TEXT,
    leader           TEXT,
    leader_full_time INTEGER,
    PRIMARY KEY (township, org)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS p_people (
    township    TEXT NOT NULL,
    id          TEXT NOT NULL,
    name        TEXT NOT NULL,
    gender      TEXT,
    birth_year  INTEGER,
    unit_id     TEXT,
    party_stage TEXT NOT NULL,
    roles       TEXT NOT NULL,
    archived    INTEGER NOT NULL,
    PRIMARY KEY (township, id)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS p_nominations (
    township     TEXT NOT NULL,
    id           TEXT NOT NULL,
    person_id    TEXT NOT NULL,
    organization TEXT NOT NULL,
    unit_id      TEXT NOT NULL,
    year         INTEGER NOT NULL,
    direct       INTEGER NOT NULL,
    archived     INTEGER NOT NULL,
    out_of_order TEXT,
    PRIMARY KEY (township, id)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS p_nomination_steps (
    township      TEXT NOT NULL,
    nomination_id TEXT NOT NULL,
    step          TEXT NOT NULL,
    date          TEXT NOT NULL,
    decision      TEXT,
    PRIMARY KEY (township, nomination_id, step)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS p_activities (
    township           TEXT NOT NULL,
    id                 TEXT NOT NULL,
    kind               TEXT NOT NULL,
    title              TEXT NOT NULL,
    date               TEXT NOT NULL,
    organizations      TEXT NOT NULL,
    unit_ids           TEXT NOT NULL,
    participants       INTEGER NOT NULL,
    women_participants INTEGER NOT NULL,
    archived           INTEGER NOT NULL,
    PRIMARY KEY (township, id)
) WITHOUT ROWID;

-- Live activities summed by township, organizations and month, written with
-- the rows above: the county-wide activities report reads these (17,815
-- rows for a county of 200,000 activities) and only the as_of month from
-- p_activities. That month is found by a scan, not a date index: the index
-- made every projection's rewrite of a large township 185 ms slower.
CREATE TABLE IF NOT EXISTS p_activity_months (
    township           TEXT NOT NULL,
    organizations      TEXT NOT NULL,
    month              TEXT NOT NULL,
    activities         INTEGER NOT NULL,
    participants       INTEGER NOT NULL,
    women_participants INTEGER NOT NULL,
    PRIMARY KEY (township, organizations, month)
) WITHOUT ROWID;
-- A database projected before the sums existed: fill them once from the rows.
INSERT INTO p_activity_months
    SELECT township, organizations, substr(date, 1, 7), COUNT(*),
           SUM(participants), SUM(women_participants)
    FROM p_activities
    WHERE archived = 0 AND NOT EXISTS (SELECT 1 FROM p_activity_months)
    GROUP BY township, organizations, substr(date, 1, 7);

CREATE TABLE IF NOT EXISTS p_honors (
    township         TEXT NOT NULL,
    id               TEXT NOT NULL,
    title            TEXT NOT NULL,
    level            TEXT NOT NULL,
    year             INTEGER NOT NULL,
    recipient_unit   TEXT,
    recipient_person TEXT,
    archived         INTEGER NOT NULL,
    PRIMARY KEY (township, id)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS p_visits (
    township TEXT NOT NULL,
    id       TEXT NOT NULL,
    cadre    TEXT NOT NULL,
    unit_id  TEXT NOT NULL,
    date     TEXT NOT NULL,
    purpose  TEXT,
    archived INTEGER NOT NULL,
    PRIMARY KEY (township, id)
) WITHOUT ROWID;

-- Validation findings and unresolved conflicts, as the quality report lists them.
CREATE TABLE IF NOT EXISTS p_findings (
    township   TEXT NOT NULL,
    source     TEXT NOT NULL,   -- validation | conflict
    map        TEXT NOT NULL,
    record_id  TEXT NOT NULL,
    field      TEXT NOT NULL,
    rule       TEXT NOT NULL,
    message_zh TEXT NOT NULL,
    message_en TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS p_findings_township ON p_findings (township);

-- One row per township: which version of its document the rows above
-- show, and the last failure to read it (kept until a later version reads).
CREATE TABLE IF NOT EXISTS p_state (
    township     TEXT PRIMARY KEY,
    heads        TEXT,
    projected_at TEXT,
    error        TEXT,
    error_at     TEXT
);
";

/// Bring a database projected by an older server up to [`SCHEMA`]: add the
/// columns it lacks, and forget which version each township's rows show, so
/// the worker rewrites every township at startup (its `record` JSON was
/// written without the new fields too). `CREATE TABLE IF NOT EXISTS` leaves
/// an existing table as it was, and SQLite has no `ADD COLUMN IF NOT
/// EXISTS`, hence the look at the table first. Run after [`SCHEMA`].
pub fn upgrade(conn: &Connection) -> rusqlite::Result<()> {
    let exists = |sql: &str| -> rusqlite::Result<bool> { conn.query_row(sql, [], |r| r.get(0)) };
    let has_column = exists(
        "SELECT EXISTS (SELECT 1 FROM pragma_table_info('p_units')
                        WHERE name = 'women_chair_on_committees')",
    )?;
    let has_links = exists(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master
                        WHERE type = 'table' AND name = 'p_exec_links')",
    )?;
    if has_column && has_links {
        return Ok(());
    }
    let tx = conn.unchecked_transaction()?;
    if !has_column {
        tx.execute_batch("ALTER TABLE p_units ADD COLUMN women_chair_on_committees INTEGER;")?;
    }
    if !has_links {
        tx.execute_batch(EXEC_LINKS)?;
    }
    tx.execute_batch("UPDATE p_state SET heads = NULL;")?;
    tx.commit()
}

/// `p_exec_links`, made by [`upgrade`] rather than [`SCHEMA`] so that a
/// database projected before links existed is seen to lack it, and every
/// township is projected again (a device of a newer app may have written
/// links the older server did not project).
const EXEC_LINKS: &str = "
CREATE TABLE p_exec_links (
    township  TEXT NOT NULL,
    id        TEXT NOT NULL,
    executive TEXT NOT NULL,   -- trimmed: one executive across townships by name
    unit_id   TEXT NOT NULL,
    since     TEXT NOT NULL,
    until     TEXT,
    archived  INTEGER NOT NULL,
    PRIMARY KEY (township, id)
) WITHOUT ROWID;
";
