//! The `meta` map at the root of every township document: which township
//! the document belongs to and which shape (schema version) it has.
//!
//! The server writes it once when a township is added; every device reads it
//! to know what it is holding. Codes and names are scalar strings, not
//! Automerge Text, because nobody edits them collaboratively.

use std::fmt;
use std::str::FromStr;

use automerge::{
    Automerge, AutomergeError, ROOT, ReadDoc, ScalarValue, Value, transaction::Transactable,
};
use serde::{Deserialize, Serialize};

/// The document shape this code writes. Older documents are migrated on open
/// (see DESIGN.md, "One document per township"; `migrate.rs` lists the
/// versions). 2: every whole number is a signed integer.
pub const SCHEMA_VERSION: u64 = 2;

/// 乡 / 镇 / 街道: the three kinds of township.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TownshipKind {
    /// 乡
    Xiang,
    /// 镇
    Zhen,
    /// 街道
    Jiedao,
}

impl TownshipKind {
    /// The code stored in documents and the database (`xiang`, `zhen`, `jiedao`).
    pub fn as_str(self) -> &'static str {
        match self {
            TownshipKind::Xiang => "xiang",
            TownshipKind::Zhen => "zhen",
            TownshipKind::Jiedao => "jiedao",
        }
    }

    /// The Chinese word a cadre reads.
    pub fn label(self) -> &'static str {
        match self {
            TownshipKind::Xiang => "乡",
            TownshipKind::Zhen => "镇",
            TownshipKind::Jiedao => "街道",
        }
    }
}

impl fmt::Display for TownshipKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for TownshipKind {
    type Err = MetaError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "xiang" | "乡" => Ok(TownshipKind::Xiang),
            "zhen" | "镇" => Ok(TownshipKind::Zhen),
            "jiedao" | "街道" => Ok(TownshipKind::Jiedao),
            other => Err(MetaError::UnknownKind(other.to_string())),
        }
    }
}

/// The contents of a township document's `meta` map.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TownshipMeta {
    /// Document shape version, see [`SCHEMA_VERSION`].
    pub schema: u64,
    /// The township's administrative code, unique within the county.
    pub township_code: String,
    /// 乡镇名称, e.g. 城关镇.
    pub township_name: String,
    /// 乡, 镇 or 街道.
    pub township_kind: TownshipKind,
    /// The county that owns the server; empty when the server was not told.
    pub county_code: String,
}

/// Why a `meta` map could not be written or read.
#[derive(Debug, thiserror::Error)]
pub enum MetaError {
    /// The kind is not one of xiang, zhen, jiedao.
    #[error("unknown township kind '{0}': use xiang (乡), zhen (镇) or jiedao (街道)")]
    UnknownKind(String),
    /// The township code is empty or has characters other than letters, digits, '-' and '_'.
    #[error("township code '{0}' is not valid: use letters, digits, '-' or '_' (e.g. 330825101)")]
    BadCode(String),
    /// The township name is empty.
    #[error("township name is empty: give the township's name, e.g. --name 城关镇")]
    EmptyName,
    /// The document has no usable `meta` map.
    #[error("the document has no valid meta map: {0}")]
    Missing(String),
    /// Automerge refused the write.
    #[error("automerge: {0}")]
    Automerge(#[from] AutomergeError),
}

impl TownshipMeta {
    /// A `meta` for a new township, checking the code and name a person typed.
    pub fn new(
        code: &str,
        name: &str,
        kind: TownshipKind,
        county_code: &str,
    ) -> Result<Self, MetaError> {
        let code = code.trim();
        let valid_code = !code.is_empty()
            && code.len() <= 64
            && code
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !valid_code {
            return Err(MetaError::BadCode(code.to_string()));
        }
        let name = name.trim();
        if name.is_empty() {
            return Err(MetaError::EmptyName);
        }
        Ok(TownshipMeta {
            schema: SCHEMA_VERSION,
            township_code: code.to_string(),
            township_name: name.to_string(),
            township_kind: kind,
            county_code: county_code.trim().to_string(),
        })
    }

    /// A fresh document holding this `meta`, the empty record maps of
    /// DESIGN.md and the township's own organizations (`township_orgs`),
    /// so every device finds the same top-level maps and concurrent first
    /// inserts do not race to create them.
    pub fn new_document(&self) -> Result<Automerge, MetaError> {
        let mut doc = Automerge::new();
        doc.transact_with::<_, _, AutomergeError, _>(
            |_| {
                automerge::transaction::CommitOptions::default()
                    .with_message(format!("建立乡镇文档 {}", self.township_code))
            },
            |tx| {
                let meta = tx.put_object(ROOT, "meta", automerge::ObjType::Map)?;
                // Signed, as every number we write (schema/integer.rs).
                tx.put(&meta, "schema", crate::schema::integer::scalar(self.schema))?;
                tx.put(&meta, "township_code", self.township_code.as_str())?;
                tx.put(&meta, "township_name", self.township_name.as_str())?;
                tx.put(&meta, "township_kind", self.township_kind.as_str())?;
                tx.put(&meta, "county_code", self.county_code.as_str())?;
                for records in RECORD_MAPS {
                    tx.put_object(ROOT, *records, automerge::ObjType::Map)?;
                }
                // The township's own organizations, created here by the
                // one writer of a new document, for the same reason.
                crate::schema::TownshipOrgs::put_empty(tx)?;
                Ok(())
            },
        )
        .map_err(|failure| failure.error)?;
        Ok(doc)
    }

    /// Read `meta` back from a document.
    pub fn read(doc: &impl ReadDoc) -> Result<Self, MetaError> {
        let meta = match doc.get(ROOT, "meta")? {
            Some((Value::Object(automerge::ObjType::Map), id)) => id,
            _ => return Err(MetaError::Missing("no meta map at the root".into())),
        };
        let text = |key: &str| -> Result<String, MetaError> {
            match doc.get(&meta, key)? {
                Some((Value::Scalar(s), _)) => match s.as_ref() {
                    ScalarValue::Str(v) => Ok(v.to_string()),
                    other => Err(MetaError::Missing(format!(
                        "meta.{key} is {other}, not text"
                    ))),
                },
                _ => Err(MetaError::Missing(format!("meta.{key} is missing"))),
            }
        };
        let schema = match doc.get(&meta, "schema")? {
            Some((Value::Scalar(s), _)) => match s.as_ref() {
                ScalarValue::Uint(v) => *v,
                ScalarValue::Int(v) if *v >= 0 => *v as u64,
                other => return Err(MetaError::Missing(format!("meta.schema is {other}"))),
            },
            _ => return Err(MetaError::Missing("meta.schema is missing".into())),
        };
        Ok(TownshipMeta {
            schema,
            township_code: text("township_code")?,
            township_name: text("township_name")?,
            township_kind: text("township_kind")?.parse()?,
            county_code: text("county_code").unwrap_or_default(),
        })
    }
}

/// The record maps every township document has at its root, keyed by id.
pub const RECORD_MAPS: &[&str] = &[
    "units",
    "people",
    "nominations",
    "activities",
    "honors",
    "visits",
    "exec_links",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_document_reads_back_its_meta() {
        let meta = TownshipMeta::new("330825101", "城关镇", TownshipKind::Zhen, "330825").unwrap();
        let doc = meta.new_document().unwrap();
        assert_eq!(TownshipMeta::read(&doc).unwrap(), meta);
        for records in RECORD_MAPS {
            assert!(
                doc.get(ROOT, *records).unwrap().is_some(),
                "{records} missing"
            );
        }
    }

    #[test]
    fn bad_input_is_refused_with_what_to_fix() {
        let err = TownshipMeta::new("33 08", "城关镇", TownshipKind::Zhen, "").unwrap_err();
        assert!(err.to_string().contains("33 08"));
        let err = TownshipMeta::new("330825101", "  ", TownshipKind::Zhen, "").unwrap_err();
        assert!(matches!(err, MetaError::EmptyName));
        let err = "village".parse::<TownshipKind>().unwrap_err();
        assert!(err.to_string().contains("xiang"));
        assert_eq!("镇".parse::<TownshipKind>().unwrap(), TownshipKind::Zhen);
    }

    #[test]
    fn a_document_without_meta_is_reported() {
        let doc = Automerge::new();
        assert!(matches!(
            TownshipMeta::read(&doc),
            Err(MetaError::Missing(_))
        ));
    }
}
