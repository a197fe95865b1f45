//! Excel's rules for worksheet names, applied to report titles.
//!
//! Excel refuses to open a workbook whose sheet names break its rules, and
//! rust_xlsxwriter refuses to write one, so a title like
//! `组建率/配备率：2026[上半年]` is cleaned rather than rejected: a report's
//! title is ours, but filters or future reports may put anything in it.

/// The most a sheet name may hold, in UTF-16 code units as Excel counts.
const MAX_LEN: usize = 31;

/// Characters Excel forbids in a sheet name.
const FORBIDDEN: [char; 7] = ['[', ']', ':', '*', '?', '/', '\\'];

/// `title` as a valid sheet name: the characters `[ ] : * ? / \` removed,
/// leading and trailing apostrophes and spaces trimmed, cut to 31 characters
/// (UTF-16 code units, as Excel counts), `Sheet` if nothing is left, and
/// `History_` for `History`, a name Excel reserves.
pub fn sheet_name(title: &str) -> String {
    let cleaned: String = title.chars().filter(|c| !FORBIDDEN.contains(c)).collect();
    let trimmed = truncate_utf16(trim(&cleaned), MAX_LEN);
    // Trim again: cutting may have left an apostrophe or space at the end.
    let name = trim(trimmed);
    if name.is_empty() {
        "Sheet".to_owned()
    } else if name.eq_ignore_ascii_case("History") {
        format!("{name}_")
    } else {
        name.to_owned()
    }
}

/// [`sheet_name`] of `title`, made different from every name in `used`
/// (Excel compares names ignoring case) with a ` (2)`, ` (3)`, … suffix, and
/// added to `used`.
pub(crate) fn unique_sheet_name(title: &str, used: &mut Vec<String>) -> String {
    let base = sheet_name(title);
    let taken = |name: &str| used.iter().any(|u| u.to_lowercase() == name.to_lowercase());
    let mut name = base.clone();
    let mut n = 2;
    while taken(&name) {
        let suffix = format!(" ({n})");
        let room = MAX_LEN - suffix.len();
        name = format!("{}{suffix}", trim(truncate_utf16(&base, room)));
        n += 1;
    }
    used.push(name.clone());
    name
}

fn trim(name: &str) -> &str {
    name.trim_matches(|c: char| c == '\'' || c.is_whitespace())
}

/// The longest prefix of `s` with at most `max` UTF-16 code units.
fn truncate_utf16(s: &str, max: usize) -> &str {
    let mut units = 0;
    for (i, c) in s.char_indices() {
        units += c.len_utf16();
        if units > max {
            return &s[..i];
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicates_get_a_number_within_31_units() {
        let mut used = Vec::new();
        let long = "很".repeat(40);
        assert_eq!(unique_sheet_name("组建率", &mut used), "组建率");
        assert_eq!(unique_sheet_name("组建率", &mut used), "组建率 (2)");
        assert_eq!(unique_sheet_name("Sheet", &mut used), "Sheet");
        assert_eq!(unique_sheet_name("sheet", &mut used), "sheet (2)");
        assert_eq!(unique_sheet_name(&long, &mut used), "很".repeat(31));
        let second = unique_sheet_name(&long, &mut used);
        assert_eq!(second, format!("{} (2)", "很".repeat(27)));
        assert_eq!(second.encode_utf16().count(), 31);
    }

    #[test]
    fn counts_utf16_units_like_excel() {
        // An emoji outside the BMP is two UTF-16 units: 15 of them fill 30.
        let title = "😀".repeat(20);
        assert_eq!(sheet_name(&title), "😀".repeat(15));
    }

    #[test]
    fn empty_and_reserved_names() {
        assert_eq!(sheet_name("[]:*?/\\"), "Sheet");
        assert_eq!(sheet_name("'引号'"), "引号");
        assert_eq!(sheet_name("history"), "history_");
    }
}
