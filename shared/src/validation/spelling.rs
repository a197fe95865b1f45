//! Dates written without zero padding (`2025-6-5`).
//!
//! Our apps always write `2025-06-05`, and the typed reader accepts the
//! short form from other writers (a JavaScript app, a hand edit), so the
//! record still reads. But a date is stored as text, and any other tool
//! that sorts or compares the text puts `2025-6-5` after `2025-10-01`. So
//! it is a finding, fixed by writing the date again.
//!
//! The typed document has lost how a date was written, so this reads the
//! raw document: every text value of a record, at any depth, that reads as
//! a date but is not written the one way. Like the conflicts, it is kept
//! per record (`in_record`), so the server's incremental projection reads
//! only the records a change touched; the messages are made afterwards
//! from the typed document (`findings`), so they name records as a full
//! read would.

use automerge::{ObjId, ObjType, ROOT, ReadDoc, ScalarValueRef, Value, ValueRef};

use super::finding::{Finding, FindingRule};
use super::names;
use crate::meta::RECORD_MAPS;
use crate::schema::{Date, TownshipDocument};

/// A date in the raw document written in a short form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unpadded {
    /// The record map.
    pub map: &'static str,
    /// The record id.
    pub id: String,
    /// The dotted field path inside the record.
    pub field: String,
    /// As written.
    pub written: String,
    /// What it reads as.
    pub date: Date,
}

/// Records nest maps (organizations, 推优 steps, sets) but not deeply.
const MAX_DEPTH: usize = 4;

/// Every short-form date in every record.
pub fn unpadded(doc: &impl ReadDoc) -> Vec<Unpadded> {
    let mut out = Vec::new();
    for &map in RECORD_MAPS {
        let Ok(Some((Value::Object(ObjType::Map), records))) = doc.get(ROOT, map) else {
            continue;
        };
        // The records' objects from one pass over the map: a `get` per
        // record would seek from the top each time (half a second on a
        // large township).
        let records: Vec<(String, ObjId)> = doc
            .map_range(&records, ..)
            .filter(|item| matches!(item.value, ValueRef::Object(ObjType::Map)))
            .map(|item| (item.key.to_string(), item.id()))
            .collect();
        for (id, record) in records {
            walk(doc, &record, "", 0, &mut |field, written, date| {
                out.push(Unpadded {
                    map,
                    id: id.clone(),
                    field,
                    written,
                    date,
                })
            });
        }
    }
    out
}

/// The short-form dates in one record.
pub fn in_record(doc: &impl ReadDoc, map: &'static str, id: &str) -> Vec<Unpadded> {
    let mut out = Vec::new();
    let Ok(Some((Value::Object(ObjType::Map), records))) = doc.get(ROOT, map) else {
        return out;
    };
    if let Ok(Some((Value::Object(ObjType::Map), record))) = doc.get(&records, id) {
        walk(doc, &record, "", 0, &mut |field, written, date| {
            out.push(Unpadded {
                map,
                id: id.to_string(),
                field,
                written,
                date,
            })
        });
    }
    out
}

/// What one key of a map holds, as far as the walk cares.
enum Found {
    /// A string the length of a short date.
    Short(String),
    /// A Text object (how JavaScript stores a plain string).
    Text(ObjId),
    /// A nested map.
    Map(ObjId),
    Other,
}

fn walk(
    doc: &impl ReadDoc,
    obj: &ObjId,
    prefix: &str,
    depth: usize,
    found: &mut impl FnMut(String, String, Date),
) {
    // One `map_range` pass per map: a `get` per key seeks the op columns
    // from the top each time, which over a large township's every field
    // cost seconds (see `conflicts`).
    let items: Vec<(String, Found)> = doc
        .map_range(obj, ..)
        .map(|item| {
            let found = match &item.value {
                // Only what could be a short date is copied out.
                ValueRef::Scalar(ScalarValueRef::Str(s)) if could_be_short(s) => {
                    Found::Short(s.to_string())
                }
                ValueRef::Object(ObjType::Text) => Found::Text(item.id()),
                ValueRef::Object(ObjType::Map) => Found::Map(item.id()),
                _ => Found::Other,
            };
            (item.key.into_owned(), found)
        })
        .collect();
    for (key, found_here) in items {
        if matches!(found_here, Found::Other) {
            continue;
        }
        let path = if prefix.is_empty() {
            key
        } else {
            format!("{prefix}.{key}")
        };
        let text = match found_here {
            Found::Short(text) => text,
            // A long Text (activity notes) is no date: not read out.
            Found::Text(text) if (8..10).contains(&doc.length(&text)) => match doc.text(&text) {
                Ok(t) => t,
                Err(_) => continue,
            },
            Found::Map(child) if depth < MAX_DEPTH => {
                walk(doc, &child, &path, depth + 1, found);
                continue;
            }
            _ => continue,
        };
        if let Some(date) = short_form(&text) {
            found(path, text, date);
        }
    }
}

/// Whether `s` has the shape of a short date (`2025-6-5`): 8 or 9 bytes,
/// four digits and a dash first. Cheap, so names and codes are passed
/// over without a copy.
fn could_be_short(s: &str) -> bool {
    let b = s.as_bytes();
    (8..10).contains(&b.len()) && b[..4].iter().all(u8::is_ascii_digit) && b[4] == b'-'
}

/// `Some(date)` when `text` is a date in digits and dashes that reads as
/// one but is not written `YYYY-MM-DD`.
fn short_form(text: &str) -> Option<Date> {
    let t = text.trim();
    let parts: Vec<&str> = t.split('-').collect();
    let digits = parts.len() == 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    if !digits || parts[0].len() != 4 || parts[1].len() > 2 || parts[2].len() > 2 {
        return None;
    }
    let date: Date = t.parse().ok()?;
    (date.to_string() != text).then_some(date)
}

/// The findings for `found`, naming each record as the other rules do.
/// Archived records give none (see the module `validation`).
pub fn findings(doc: &TownshipDocument, found: &[Unpadded]) -> Vec<Finding> {
    found
        .iter()
        .filter(|u| !names::archived(doc, u.map, &u.id))
        .map(|u| {
            let (zh, en) = match names::subject(doc, u.map, &u.id) {
                Some(s) => (s.zh, s.en),
                None => (format!("记录（编号 {}）", u.id), format!("Record {}", u.id)),
            };
            Finding::new(
                u.map,
                &u.id,
                u.field.clone(),
                FindingRule::UnpaddedDate,
                format!(
                    "{zh}的 {} 写作「{}」，应写作 {}（月、日补零），否则在其他软件中排序会出错；请重新填写该日期",
                    u.field, u.written, u.date
                ),
                format!(
                    "{en}: {} is written \"{}\"; write it {} (zero-padded), or other tools sort it wrongly",
                    u.field, u.written, u.date
                ),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::meta::{TownshipKind, TownshipMeta};
    use automerge::transaction::Transactable;

    #[test]
    fn short_forms_are_dates_that_read_but_are_not_written_the_one_way() {
        assert_eq!(short_form("2025-6-5"), "2025-06-05".parse().ok());
        assert_eq!(short_form("2025-06-5"), "2025-06-05".parse().ok());
        assert_eq!(short_form("2025-06-05"), None);
        assert_eq!(short_form("2025-13-05"), None);
        assert_eq!(short_form("25-6-5"), None);
        assert_eq!(short_form("2025/6/5"), None);
        assert_eq!(short_form("城关村"), None);
        assert_eq!(short_form("1-2-3-4"), None);
    }

    #[test]
    fn a_short_date_anywhere_in_a_record_is_found_and_named() {
        let meta = TownshipMeta::new("330825101", "城关镇", TownshipKind::Zhen, "").unwrap();
        let mut doc = meta.new_document().unwrap();
        doc.transact::<_, _, automerge::AutomergeError>(|tx| {
            let units = tx.get(ROOT, "units")?.unwrap().1;
            let u = tx.put_object(&units, "u1", ObjType::Map)?;
            tx.put(&u, "name", "城关村")?;
            tx.put(&u, "kind", "village")?;
            tx.put(&u, "opened", "2025-06-05")?;
            let union = tx.put_object(&u, "union", ObjType::Map)?;
            tx.put(&union, "formed", true)?;
            // As JavaScript writes a string by default: a Text object.
            let text = tx.put_object(&union, "established", ObjType::Text)?;
            tx.splice_text(&text, 0, 0, "2024-3-8")?;
            Ok(())
        })
        .unwrap();
        let found = unpadded(&doc);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].field, "union.established");
        assert_eq!(found, in_record(&doc, "units", "u1"));

        let (typed, _) = TownshipDocument::hydrate(&doc).unwrap();
        let got = findings(&typed, &found);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].rule, FindingRule::UnpaddedDate);
        assert!(
            got[0].message_zh.starts_with(
                "单位「城关村」的 union.established 写作「2024-3-8」，应写作 2024-03-08"
            ),
            "{}",
            got[0].message_zh
        );

        let mut archived = typed.clone();
        if let Some(u) = archived.units.get_mut("u1") {
            u.archived = true;
        }
        assert_eq!(findings(&archived, &found), vec![]);
    }
}
