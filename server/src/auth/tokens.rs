//! The `tokens` table: who may connect. Only a token's SHA-256 is stored,
//! so a copy of the database (a backup, a stolen disk) lets nobody in.
//! Used by the admin CLI and by the running server alike.

use std::io::Write;
use std::path::{Path, PathBuf};

use qunjian_shared::api::{NewToken, TokenInfo};
use qunjian_shared::token;
use rusqlite::{Connection, OptionalExtension, params};

use super::role::{Role, RoleError};
use crate::audit::{self, Actor, Entry, Event};
use crate::clock;
use crate::db::{self, DbError};
use crate::townships;

/// The table. `id` is derived from `hash` (see `qunjian_shared::token`).
pub const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS tokens (
    id           TEXT PRIMARY KEY,
    hash         TEXT NOT NULL UNIQUE,
    label        TEXT NOT NULL,
    role         TEXT NOT NULL,
    township     TEXT,
    created_at   TEXT NOT NULL,
    last_used_at TEXT,
    revoked_at   TEXT
);
";

/// One token as stored.
#[derive(Debug, Clone)]
pub struct TokenRow {
    /// Public id.
    pub id: String,
    /// SHA-256 of the token, hex.
    pub hash: String,
    /// What it is for.
    pub label: String,
    /// What it may do.
    pub role: Role,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339, updated at most once a minute.
    pub last_used_at: Option<String>,
    /// RFC 3339; a revoked token opens nothing.
    pub revoked_at: Option<String>,
}

impl TokenRow {
    /// The API's and CLI's view of this row.
    pub fn info(&self) -> TokenInfo {
        TokenInfo {
            id: self.id.clone(),
            label: self.label.clone(),
            role: self.role.name().to_string(),
            township: self.role.township().map(str::to_string),
            created_at: self.created_at.clone(),
            last_used_at: self.last_used_at.clone(),
            revoked_at: self.revoked_at.clone(),
        }
    }

    /// The samod peer id connections with this token must use.
    pub fn peer_id(&self) -> String {
        token::peer_id_of(&self.id)
    }

    /// This token as an audit row names it.
    pub fn actor(&self) -> Actor {
        Actor {
            token_id: self.id.clone(),
            token_label: self.label.clone(),
            peer: self.peer_id(),
            township: self.role.township().map(str::to_string),
        }
    }

    /// Whether it still opens anything.
    pub fn is_active(&self) -> bool {
        self.revoked_at.is_none()
    }
}

/// Why a token command was refused.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    /// Bad role or township argument.
    #[error(transparent)]
    Role(#[from] RoleError),
    /// A township token for a township the county does not have.
    #[error(
        "没有乡镇代码 {0}：先用 `qunjian-server township add` 添加 (no township with code {0})"
    )]
    NoSuchTownship(String),
    /// An active token already has this label.
    #[error("已有同名的有效令牌“{0}”：换一个 --label，或先 revoke 旧的 (label in use)")]
    LabelInUse(String),
    /// The label is empty or too long.
    #[error("标签应为 1–100 个字符 (label must be 1–100 characters)")]
    BadLabel,
    /// The label holds a control character or a direction override.
    #[error(
        "标签不能含控制字符（换行、NUL 等）或文字方向控制符（如 U+202E） (label must not contain control or bidi override characters)"
    )]
    LabelCharacters,
    /// Nothing matches for revoke.
    #[error("没有标签或编号为“{0}”的有效令牌 (no active token with that label or id)")]
    NotFound(String),
    /// The OS random source failed.
    #[error("cannot draw random bytes for a token: {0}")]
    Random(String),
    /// The database could not be used.
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<rusqlite::Error> for TokenError {
    fn from(e: rusqlite::Error) -> Self {
        TokenError::Db(DbError::Sql(e))
    }
}

/// Who created or revoked a token, as its audit row says.
#[derive(Debug, Clone, Copy)]
pub enum ActedBy<'a> {
    /// A county admin over `/api/tokens`.
    Token(&'a TokenRow),
    /// `qunjian-server token …` on the server's machine.
    CommandLine,
    /// `serve` on a data directory without an admin token.
    FirstStart,
}

impl ActedBy<'_> {
    /// The audit row of `event` about `subject` (id, label, role, township).
    fn entry(self, event: Event, subject: &TokenRow) -> Entry {
        let role = match event {
            Event::TokenCreated => format!(" ({})", subject.role.name()),
            _ => String::new(),
        };
        let how = match self {
            ActedBy::Token(_) => "",
            ActedBy::CommandLine => " by the command line",
            ActedBy::FirstStart => " at the first start",
        };
        let mut entry =
            Entry::new(event).detail(format!("{} {}{role}{how}", subject.id, subject.label));
        entry.township = subject.role.township().map(str::to_string);
        match self {
            ActedBy::Token(row) => entry.by(row.actor()),
            _ => entry,
        }
    }
}

/// Create a token for `role` and its audit row, in one transaction; the
/// returned token is shown once and never stored.
pub fn create(
    conn: &Connection,
    role: Role,
    label: Option<&str>,
    by: ActedBy<'_>,
) -> Result<NewToken, TokenError> {
    let created = db::in_transaction(conn, |conn| {
        let created = insert(conn, role, label)?;
        audit::insert(conn, &[by.entry(Event::TokenCreated, &created.0)])?;
        Ok::<_, TokenError>(created)
    })?;
    Ok(NewToken {
        peer_id: created.0.peer_id(),
        token: created.1,
        info: created.0.info(),
    })
}

/// The row of a new token, and the token itself.
fn insert(
    conn: &Connection,
    role: Role,
    label: Option<&str>,
) -> Result<(TokenRow, String), TokenError> {
    if let Some(code) = role.township()
        && townships::get(conn, code)?.is_none()
    {
        return Err(TokenError::NoSuchTownship(code.to_string()));
    }
    let mut secret = [0u8; 32];
    getrandom::fill(&mut secret).map_err(|e| TokenError::Random(e.to_string()))?;
    let plain = token::from_random(&secret);
    let hash = token::hash(&plain);
    let id = token::id_of_hash(&hash);
    let label = match label.map(str::trim) {
        Some(l) if l.is_empty() || l.chars().count() > 100 => return Err(TokenError::BadLabel),
        Some(l) if l.chars().any(crate::text::is_unsafe) => {
            return Err(TokenError::LabelCharacters);
        }
        Some(l) => l.to_string(),
        None => default_label(&role, &id),
    };
    let in_use: bool = conn.query_row(
        "SELECT EXISTS(SELECT 1 FROM tokens WHERE label = ?1 AND revoked_at IS NULL)",
        params![label],
        |r| r.get(0),
    )?;
    if in_use {
        return Err(TokenError::LabelInUse(label));
    }
    let created_at = clock::now();
    conn.execute(
        "INSERT INTO tokens (id, hash, label, role, township, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![id, hash, label, role.name(), role.township(), created_at],
    )?;
    let row = TokenRow {
        id,
        hash,
        label,
        role,
        created_at,
        last_used_at: None,
        revoked_at: None,
    };
    Ok((row, plain))
}

fn default_label(role: &Role, id: &str) -> String {
    let short = &id[..id.len().min(6)];
    match role.township() {
        Some(code) => format!("{code}-{short}"),
        None => format!("{}-{short}", role.name()),
    }
}

/// Every token, newest first.
pub fn list(conn: &Connection) -> Result<Vec<TokenRow>, DbError> {
    let mut stmt = conn.prepare(
        "SELECT id, hash, label, role, township, created_at, last_used_at, revoked_at
         FROM tokens ORDER BY created_at DESC, id",
    )?;
    let rows = stmt.query_map([], read_row)?;
    let mut out = Vec::new();
    for row in rows {
        match row? {
            Ok(row) => out.push(row),
            // A row the server cannot read opens nothing; say so, go on.
            Err((id, e)) => tracing::warn!(token = %id, "unreadable token row ignored: {e}"),
        }
    }
    Ok(out)
}

/// The active token with this hash.
pub fn find_active(conn: &Connection, hash: &str) -> Result<Option<TokenRow>, DbError> {
    let found = conn
        .query_row(
            "SELECT id, hash, label, role, township, created_at, last_used_at, revoked_at
             FROM tokens WHERE hash = ?1 AND revoked_at IS NULL",
            params![hash],
            read_row,
        )
        .optional()?;
    Ok(found.and_then(Result::ok))
}

/// Revoke the active token with this label, or else this id, and write
/// its audit row, in one transaction. A running server notices within
/// seconds (`Gate`'s reload); one that revoked it itself tells its gate.
pub fn revoke(
    conn: &Connection,
    label_or_id: &str,
    by: ActedBy<'_>,
) -> Result<TokenRow, TokenError> {
    db::in_transaction(conn, |conn| {
        let revoked = revoke_row(conn, label_or_id)?;
        audit::insert(conn, &[by.entry(Event::TokenRevoked, &revoked)])?;
        Ok(revoked)
    })
}

fn revoke_row(conn: &Connection, label_or_id: &str) -> Result<TokenRow, TokenError> {
    let wanted = label_or_id.trim();
    let id: Option<String> = conn
        .query_row(
            "SELECT id FROM tokens WHERE revoked_at IS NULL AND (label = ?1 OR id = ?1)
             ORDER BY label = ?1 DESC LIMIT 1",
            params![wanted],
            |r| r.get(0),
        )
        .optional()?;
    let Some(id) = id else {
        return Err(TokenError::NotFound(crate::text::clip(wanted)));
    };
    conn.execute(
        "UPDATE tokens SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL",
        params![id, clock::now()],
    )?;
    list(conn)?
        .into_iter()
        .find(|t| t.id == id)
        .ok_or(TokenError::NotFound(crate::text::clip(wanted)))
}

/// Record use, at most once a minute per token (callers check the cached
/// time), so a busy device does not write on every request.
pub fn touch(conn: &Connection, id: &str, at: &str) -> Result<(), DbError> {
    conn.execute(
        "UPDATE tokens SET last_used_at = ?2 WHERE id = ?1",
        params![id, at],
    )?;
    Ok(())
}

type RowResult = Result<TokenRow, (String, RoleError)>;

fn read_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<RowResult> {
    let id: String = r.get(0)?;
    let role: String = r.get(3)?;
    let township: Option<String> = r.get(4)?;
    let role = match Role::parse(&role, township.as_deref()) {
        Ok(role) => role,
        Err(e) => return Ok(Err((id, e))),
    };
    Ok(Ok(TokenRow {
        id,
        hash: r.get(1)?,
        label: r.get(2)?,
        role,
        created_at: r.get(5)?,
        last_used_at: r.get(6)?,
        revoked_at: r.get(7)?,
    }))
}

/// The file the first start writes the admin token to.
pub fn admin_token_path(data_dir: &Path) -> PathBuf {
    data_dir.join("admin-token")
}

/// On a data directory that has never had a county-admin token, create one
/// and write it to `<data-dir>/admin-token` (mode 0600), so the server is
/// never open and the README's one command still needs no setup. Township
/// tokens made with the CLI before the first start do not count; a county
/// admin token that was revoked does (revoking the last one is not undone
/// by a restart). Returns the new token, or `None`.
pub fn ensure_first_admin(
    conn: &Connection,
    data_dir: &Path,
) -> Result<Option<String>, anyhow::Error> {
    let count: i64 = conn.query_row(
        "SELECT COUNT(*) FROM tokens WHERE role = 'county-admin'",
        [],
        |r| r.get(0),
    )?;
    if count > 0 {
        return Ok(None);
    }
    let created = create(
        conn,
        Role::CountyAdmin,
        Some("admin (first start)"),
        ActedBy::FirstStart,
    )?;
    let path = admin_token_path(data_dir);
    write_private(&path, &format!("{}\n", created.token)).map_err(|e| {
        anyhow::anyhow!(
            "created the first admin token but cannot write {}: {e}",
            path.display()
        )
    })?;
    Ok(Some(created.token))
}

/// Write a file only its owner can read. The mode is set on the open, not
/// after, so the secret is never readable by others even for a moment.
fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        options.mode(0o600);
        let mut file = options.open(path)?;
        // An existing file keeps its old mode through open; fix it.
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        file.write_all(contents.as_bytes())?;
        file.sync_all()
    }
    #[cfg(not(unix))]
    {
        let mut file = options.open(path)?;
        file.write_all(contents.as_bytes())?;
        file.sync_all()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conn() -> (tempfile::TempDir, Connection) {
        let dir = tempfile::tempdir().expect("tempdir");
        let conn = db::connect(dir.path()).expect("open");
        for table in [townships::SCHEMA, SCHEMA, audit::SCHEMA] {
            conn.execute_batch(table).expect("tables");
        }
        townships::insert(
            &conn,
            "101",
            "城关镇",
            "zhen",
            &samod::DocumentId::try_from(vec![7u8; 16]).expect("a 16-byte id"),
        )
        .expect("insert");
        (dir, conn)
    }

    #[test]
    fn create_stores_only_the_hash_and_finds_it_again() {
        let (_dir, conn) = conn();
        let made = create(
            &conn,
            Role::Township("101".into()),
            Some("平板 1"),
            ActedBy::CommandLine,
        )
        .expect("create");
        token::check_format(&made.token).expect("shape");
        let stored: String = conn
            .query_row(
                "SELECT group_concat(hash || label || role) FROM tokens",
                [],
                |r| r.get(0),
            )
            .expect("read");
        assert!(!stored.contains(&made.token[token::PREFIX.len()..]));
        let found = find_active(&conn, &token::hash(&made.token))
            .expect("find")
            .expect("present");
        assert_eq!(found.role, Role::Township("101".into()));
        assert_eq!(found.peer_id(), token::peer_id(&made.token));
    }

    #[test]
    fn refusals_are_specific() {
        let (_dir, conn) = conn();
        assert!(matches!(
            create(&conn, Role::Township("999".into()), None, ActedBy::CommandLine),
            Err(TokenError::NoSuchTownship(c)) if c == "999"
        ));
        create(
            &conn,
            Role::CountyViewer,
            Some("市里"),
            ActedBy::CommandLine,
        )
        .expect("first");
        assert!(matches!(
            create(
                &conn,
                Role::CountyViewer,
                Some("市里"),
                ActedBy::CommandLine
            ),
            Err(TokenError::LabelInUse(_))
        ));
        assert!(matches!(
            create(&conn, Role::CountyViewer, Some(" "), ActedBy::CommandLine),
            Err(TokenError::BadLabel)
        ));
        for bad in ["a\nINFO forged", "a\0b", "abc\u{202E}gpj.exe", "a\u{2067}b"] {
            assert!(matches!(
                create(&conn, Role::CountyViewer, Some(bad), ActedBy::CommandLine),
                Err(TokenError::LabelCharacters)
            ));
        }
        assert!(matches!(
            revoke(&conn, "nobody", ActedBy::CommandLine),
            Err(TokenError::NotFound(_))
        ));
    }

    #[test]
    fn revoke_by_label_or_id_frees_the_label_and_closes_the_token() {
        let (_dir, conn) = conn();
        let a = create(&conn, Role::CountyViewer, Some("甲"), ActedBy::CommandLine).expect("a");
        let b = create(&conn, Role::CountyAdmin, None, ActedBy::CommandLine).expect("b");
        assert_eq!(
            revoke(&conn, "甲", ActedBy::CommandLine)
                .expect("by label")
                .id,
            a.info.id
        );
        assert_eq!(
            revoke(&conn, &b.info.id, ActedBy::CommandLine)
                .expect("by id")
                .id,
            b.info.id
        );
        assert!(
            find_active(&conn, &token::hash(&a.token))
                .expect("find")
                .is_none()
        );
        assert!(matches!(
            revoke(&conn, "甲", ActedBy::CommandLine),
            Err(TokenError::NotFound(_))
        ));
        create(&conn, Role::CountyViewer, Some("甲"), ActedBy::CommandLine)
            .expect("label reusable");
        let all = list(&conn).expect("list");
        assert_eq!(all.len(), 3);
        assert_eq!(all.iter().filter(|t| t.is_active()).count(), 1);
    }

    #[test]
    fn the_first_admin_token_is_written_once_and_private() {
        let (dir, conn) = conn();
        let first = ensure_first_admin(&conn, dir.path())
            .expect("first")
            .expect("created");
        let path = admin_token_path(dir.path());
        assert_eq!(std::fs::read_to_string(&path).expect("read").trim(), first);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert!(
            ensure_first_admin(&conn, dir.path())
                .expect("again")
                .is_none()
        );
    }
}
