//! Reading a county's rules file (`serve --rules rules.toml`).
//!
//! The file is parsed once into toml's spanned tree. Three passes follow,
//! each naming the key and the line of the first thing wrong:
//!
//! 1. unknown keys, against the keys of [`Rules::default`] serialized (so the
//!    list can never drift from the struct);
//! 2. types, by serde (the error's byte span is mapped back to its key);
//! 3. limits: rates within 0..=100 %, minimums not above maximums.
//!
//! `deny_unknown_fields` on the structs stays as a second guard: pass 1
//! only exists to say *which* keys would have been accepted.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use toml::de::DeTable;

use super::config::Rules;
use super::error::RulesError;
use super::limits;
use super::located::{self, Located};

impl Rules {
    /// Read rules from the text of a TOML file. Keys the file leaves out
    /// keep their seed defaults; an unknown key, a wrong type, a rate
    /// outside 0..=100 % or a minimum above its maximum is an error naming
    /// the key and its line.
    ///
    /// ```
    /// use qunjian_shared::rules::Rules;
    /// let rules = Rules::from_toml_str("[targets]\nunion_formation_50 = 80\n").unwrap();
    /// assert_eq!(rules.targets.union_formation_50.0, 80.0);
    /// assert_eq!(rules.thresholds.union_employees, 25); // the seed default
    /// ```
    pub fn from_toml_str(input: &str) -> Result<Rules, RulesError> {
        let doc = DeTable::parse(input).map_err(|e| RulesError::Syntax {
            line: e.span().map(|s| located::line_of(input, s.start)),
            message: e.message().trim().to_string(),
        })?;
        let keys = located::flatten(input, doc.get_ref());
        let known = known_keys();
        check_unknown(input, &keys, &known)?;
        let mut rules = Rules::deserialize(toml::de::Deserializer::from(doc))
            .map_err(|e| wrong_type(input, &keys, &known, &e))?;
        check_limits(input, &keys, &rules)?;
        rules.county_name = rules.county_name.trim().to_string();
        rules.county_code = rules.county_code.trim().to_string();
        Ok(rules)
    }

    /// Read rules from a TOML file, as [`Rules::from_toml_str`].
    pub fn load(path: impl AsRef<Path>) -> Result<Rules, RulesError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| RulesError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Rules::from_toml_str(&text)
    }
}

/// What a key of the default rules holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Table,
    Integer,
    Float,
    String,
    Boolean,
}

impl Kind {
    fn of(v: &toml::Value) -> Kind {
        match v {
            toml::Value::Table(_) => Kind::Table,
            toml::Value::Integer(_) => Kind::Integer,
            toml::Value::Float(_) => Kind::Float,
            toml::Value::Boolean(_) => Kind::Boolean,
            // Rules hold no arrays or dates; a string is the remaining case.
            _ => Kind::String,
        }
    }

    /// What to write, for the error message.
    fn expected(self) -> &'static str {
        match self {
            Kind::Table => "一个表 (a table)",
            Kind::Integer => "不小于 0 的整数 (a whole number, 0 or more)",
            Kind::Float => "百分数, 在 0 到 100 之间 (a percentage from 0 to 100)",
            Kind::String => "带引号的文字 (a quoted string)",
            Kind::Boolean => "true 或 false (true or false)",
        }
    }
}

/// Every key the rules take, by dotted path. Built from the defaults, so a
/// field added to [`Rules`] is known here without another list to update.
fn known_keys() -> BTreeMap<String, Kind> {
    let mut out = BTreeMap::new();
    // Serializing plain structs of numbers, strings and booleans cannot fail;
    // were it to, the unknown-key pass finds no table to check against and
    // serde's `deny_unknown_fields` still refuses the key (without the list).
    if let Ok(table) = toml::Table::try_from(Rules::default()) {
        collect(&table, "", &mut out);
    }
    out
}

fn collect(table: &toml::Table, prefix: &str, out: &mut BTreeMap<String, Kind>) {
    for (k, v) in table {
        let path = join(prefix, k);
        out.insert(path.clone(), Kind::of(v));
        if let toml::Value::Table(inner) = v {
            collect(inner, &path, out);
        }
    }
}

fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_string()
    } else {
        format!("{prefix}.{key}")
    }
}

fn parent(path: &str) -> &str {
    path.rsplit_once('.').map(|(p, _)| p).unwrap_or("")
}

/// The first key the rules do not have, under a table they do have (a key
/// under a scalar is the scalar's type error, reported by serde instead).
fn check_unknown(
    input: &str,
    keys: &[Located],
    known: &BTreeMap<String, Kind>,
) -> Result<(), RulesError> {
    if known.is_empty() {
        return Ok(());
    }
    let mut unknown: Vec<&Located> = keys
        .iter()
        .filter(|k| !known.contains_key(&k.path))
        .filter(|k| {
            let p = parent(&k.path);
            p.is_empty() || known.get(p) == Some(&Kind::Table)
        })
        .collect();
    // The first in the file, so fixing errors top to bottom works.
    unknown.sort_by_key(|k| k.key_span.start);
    match unknown.first() {
        None => Ok(()),
        Some(k) => {
            let p = parent(&k.path);
            let allowed: Vec<&str> = known
                .keys()
                .filter(|path| parent(path) == p)
                .map(|path| path.rsplit('.').next().unwrap_or(path))
                .collect();
            Err(RulesError::UnknownKey {
                key: k.path.clone(),
                line: located::line_of(input, k.key_span.start),
                allowed: allowed.join(", "),
            })
        }
    }
}

/// A serde error, placed on its key.
fn wrong_type(
    input: &str,
    keys: &[Located],
    known: &BTreeMap<String, Kind>,
    e: &toml::de::Error,
) -> RulesError {
    let span = e.span();
    let key = span
        .as_ref()
        .and_then(|s| located::at_offset(keys, s.start));
    match key {
        Some(k) => RulesError::WrongType {
            key: k.path.clone(),
            line: Some(located::line_of(input, k.key_span.start)),
            value: if k.is_table {
                "{...}".to_string()
            } else {
                k.text.clone()
            },
            expected: known
                .get(&k.path)
                .map(|kind| kind.expected())
                .unwrap_or("另一种值 (another value)"),
            detail: e.message().trim().to_string(),
        },
        None => RulesError::Syntax {
            line: span.map(|s| located::line_of(input, s.start)),
            message: e.message().trim().to_string(),
        },
    }
}

/// The county's name and code (when given) usable, rates within
/// 0..=100 %, minimums not above maximums.
fn check_limits(input: &str, keys: &[Located], rules: &Rules) -> Result<(), RulesError> {
    let line = |path: &str| {
        located::by_path(keys, path).map(|k| located::line_of(input, k.key_span.start))
    };
    let county = |key: &str, source| RulesError::County {
        key: key.to_string(),
        line: line(key),
        source,
    };
    crate::county::check_name(&rules.county_name).map_err(|e| county("county_name", e))?;
    if !rules.county_code.trim().is_empty() {
        crate::county::check_code(&rules.county_code).map_err(|e| county("county_code", e))?;
    }
    for (key, p) in limits::percents(rules) {
        let value = p.0;
        let err = if value > 100.0 {
            RulesError::RateAbove100 {
                key: key.to_string(),
                line: line(key),
                value,
            }
        } else if value < 0.0 {
            RulesError::RateBelow0 {
                key: key.to_string(),
                line: line(key),
                value,
            }
        } else if value.is_nan() {
            RulesError::WrongType {
                key: key.to_string(),
                line: line(key),
                value: "nan".to_string(),
                expected: Kind::Float.expected(),
                detail: "not a number".to_string(),
            }
        } else {
            continue;
        };
        return Err(err);
    }
    for (lo_key, lo, hi_key, hi) in limits::ranges(rules) {
        if lo > hi {
            return Err(RulesError::MinAboveMax {
                key: lo_key.to_string(),
                line: line(lo_key).or_else(|| line(hi_key)),
                value: lo,
                max_key: hi_key.to_string(),
                max: hi,
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
