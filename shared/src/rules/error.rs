//! What can be wrong with a county's rules file.
//!
//! The server refuses to start on any of these, so each message tells the
//! cadre who edits the file where to look: the line and the key, in Chinese
//! first and English after.

use std::path::PathBuf;

/// A rules file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum RulesError {
    /// The file could not be read.
    #[error("读不到规则文件 {path}: {source} (cannot read the rules file)")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The file is not valid TOML.
    #[error("规则文件{}: TOML 格式有误 (not valid TOML): {message}", at(*.line))]
    Syntax {
        /// The line (from 1), when known.
        line: Option<usize>,
        /// The TOML parser's message.
        message: String,
    },
    /// A key the rules do not have (often a typo).
    #[error("规则文件{} {key}: 没有这一项, 可用的有 {allowed} (unknown key)", at(Some(*.line)))]
    UnknownKey {
        /// The dotted key, e.g. `targets.union_formaton_50`.
        key: String,
        /// The line (from 1).
        line: usize,
        /// The keys allowed at that place, comma-separated.
        allowed: String,
    },
    /// A value of the wrong type, or one its type cannot hold (a negative count).
    #[error("规则文件{} {key} = {value}: 应为{expected} (wrong type or value: {detail})", at(*.line))]
    WrongType {
        /// The dotted key.
        key: String,
        /// The line (from 1), when known.
        line: Option<usize>,
        /// The value as written.
        value: String,
        /// What the key takes, in Chinese and English.
        expected: &'static str,
        /// The TOML reader's message.
        detail: String,
    },
    /// A rate above 100 %.
    #[error("规则文件{} {key} = {value}: 比率不能超过 100% (rate above 100 %)", at(*.line))]
    RateAbove100 {
        /// The dotted key.
        key: String,
        /// The line (from 1), when known.
        line: Option<usize>,
        /// The rate as read, in percent.
        value: f64,
    },
    /// A rate below 0 %.
    #[error("规则文件{} {key} = {value}: 比率不能小于 0% (rate below 0 %)", at(*.line))]
    RateBelow0 {
        /// The dotted key.
        key: String,
        /// The line (from 1), when known.
        line: Option<usize>,
        /// The rate as read, in percent.
        value: f64,
    },
    /// `county_name` or `county_code` that cannot name a county.
    #[error("规则文件{} {key}: {source}", at(*.line))]
    County {
        /// The dotted key.
        key: String,
        /// The line (from 1), when known.
        line: Option<usize>,
        /// What is wrong with it.
        #[source]
        source: crate::county::CountyError,
    },
    /// An "at least" above its "at most".
    #[error(
        "规则文件{} {key} = {value}: 不能大于 {max_key} = {max} (minimum above maximum)",
        at(*.line)
    )]
    MinAboveMax {
        /// The dotted key of the minimum.
        key: String,
        /// The line of whichever of the two the file sets (from 1).
        line: Option<usize>,
        /// The minimum.
        value: f64,
        /// The dotted key of the maximum.
        max_key: String,
        /// The maximum.
        max: f64,
    },
}

/// `第 3 行` when the line is known.
fn at(line: Option<usize>) -> String {
    match line {
        Some(n) => format!("第 {n} 行"),
        None => String::new(),
    }
}
