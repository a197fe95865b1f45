//! Where each key of a rules file sits: its dotted path, line and text.
//!
//! serde tells us *that* a value is wrong and gives a byte span, but not
//! which key it belongs to; a cadre needs both. So the file is parsed once
//! into toml's spanned tree and flattened here into a list of keys with
//! their spans, which answers "which key is at this offset" and "on which
//! line is this key".

use std::ops::Range;

use toml::de::{DeTable, DeValue};

/// One key of the file.
#[derive(Debug, Clone)]
pub(super) struct Located {
    /// Dotted path from the root, e.g. `targets.union_formation_50`.
    pub path: String,
    /// Where the key is written.
    pub key_span: Range<usize>,
    /// Where its value is written.
    pub value_span: Range<usize>,
    /// The value as written (a table's text is not kept).
    pub text: String,
    /// Whether the value is a table.
    pub is_table: bool,
}

/// Every key of the spanned document, tables before their contents.
pub(super) fn flatten(input: &str, table: &DeTable<'_>) -> Vec<Located> {
    let mut out = Vec::new();
    walk(input, table, "", &mut out);
    out
}

fn walk(input: &str, table: &DeTable<'_>, prefix: &str, out: &mut Vec<Located>) {
    for (key, value) in table.iter() {
        let path = if prefix.is_empty() {
            key.get_ref().to_string()
        } else {
            format!("{prefix}.{}", key.get_ref())
        };
        let value_span = value.span();
        let is_table = matches!(value.get_ref(), DeValue::Table(_));
        let text = if is_table {
            String::new()
        } else {
            input
                .get(value_span.clone())
                .unwrap_or("")
                .trim()
                .to_string()
        };
        out.push(Located {
            path: path.clone(),
            key_span: key.span(),
            value_span,
            text,
            is_table,
        });
        if let DeValue::Table(inner) = value.get_ref() {
            walk(input, inner, &path, out);
        }
    }
}

/// The key whose name or value covers `offset`; the deepest one when a
/// table and its key both do.
pub(super) fn at_offset(keys: &[Located], offset: usize) -> Option<&Located> {
    keys.iter()
        .filter(|k| k.key_span.contains(&offset) || k.value_span.contains(&offset))
        .max_by_key(|k| k.path.matches('.').count())
}

/// The key with this dotted path.
pub(super) fn by_path<'a>(keys: &'a [Located], path: &str) -> Option<&'a Located> {
    keys.iter().find(|k| k.path == path)
}

/// The line (from 1) of a byte offset.
pub(super) fn line_of(input: &str, offset: usize) -> usize {
    let end = offset.min(input.len());
    input.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}
