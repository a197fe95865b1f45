//! Reading a township document for the projection: pure, no SQL.
//!
//! Everything the county's tables need is computed here from one version of
//! the document — the typed records, the validation findings and the
//! unresolved conflicts — so `write.rs` only copies plain data into rows.

use qunjian_shared::conflicts::{Conflict, conflicts};
use qunjian_shared::doc_json::heads_hex;
use qunjian_shared::schema::{Date, StepName, Steps, TownshipDocument, Unreadable};
use qunjian_shared::validation::{Finding, sort_findings, spelling, validate_with_unreadable};

/// One version of one township's document, ready to be written.
#[derive(Debug, Clone, PartialEq)]
pub struct Projected {
    /// The township code the rows are filed under.
    pub township: String,
    /// The document's heads, hex: which version this is.
    pub heads: Vec<String>,
    /// The typed records (records that could not be read are left out and
    /// appear in `findings` instead).
    pub doc: TownshipDocument,
    /// Validation findings, sorted.
    pub findings: Vec<Finding>,
    /// Fields with concurrent values nobody has settled.
    pub conflicts: Vec<Conflict>,
}

/// Why a document could not be projected at all.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ReadError {
    /// Its `meta` is missing or malformed: nothing can be trusted.
    #[error("文档的 meta 无法读取 (meta unreadable): {0}")]
    Meta(String),
    /// `meta` names a different township than the table says holds it.
    #[error("文档属于乡镇 {found}，而不是 {expected} (document belongs to another township)")]
    WrongTownship {
        /// The code in the `townships` table.
        expected: String,
        /// The code in the document's meta.
        found: String,
    },
}

/// Read `doc`, which the `townships` table files under `township`.
/// `today` decides which dates are "in the future" for validation.
pub fn read(
    township: &str,
    doc: &automerge::Automerge,
    today: Date,
) -> Result<Projected, ReadError> {
    read_with_unreadable(township, doc, today).map(|(projected, _)| projected)
}

/// [`read`], and the records that did not fit their type (kept by the
/// incremental projection, which validates with them again).
pub fn read_with_unreadable(
    township: &str,
    doc: &automerge::Automerge,
    today: Date,
) -> Result<(Projected, Vec<Unreadable>), ReadError> {
    let (typed, unreadable) =
        TownshipDocument::hydrate(doc).map_err(|e| ReadError::Meta(e.to_string()))?;
    if typed.meta.township_code != township {
        return Err(ReadError::WrongTownship {
            expected: township.to_string(),
            found: typed.meta.township_code.clone(),
        });
    }
    let mut findings = validate_with_unreadable(&typed, &unreadable, today);
    findings.extend(spelling::findings(&typed, &spelling::unpadded(doc)));
    sort_findings(&mut findings);
    let projected = Projected {
        township: township.to_string(),
        heads: heads_hex(&doc.get_heads()),
        doc: typed,
        findings,
        conflicts: conflicts(doc),
    };
    Ok((projected, unreadable))
}

/// Every step recorded, with its date and its decision where it has one.
pub fn steps(steps: &Steps) -> Vec<(StepName, Date, Option<&'static str>)> {
    let mut out = Vec::new();
    if let Some(s) = &steps.assembly {
        out.push((StepName::Assembly, s.date, None));
    }
    if let Some(s) = &steps.inspection {
        out.push((StepName::Inspection, s.date, None));
    }
    if let Some(s) = &steps.approval {
        out.push((StepName::Approval, s.date, None));
    }
    if let Some(s) = &steps.upper_review {
        out.push((StepName::UpperReview, s.date, Some(s.decision.as_str())));
    }
    if let Some(s) = &steps.recommended {
        out.push((StepName::Recommended, s.date, None));
    }
    if let Some(s) = &steps.party_decision {
        out.push((StepName::PartyDecision, s.date, Some(s.decision.as_str())));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use qunjian_shared::edit;
    use qunjian_shared::schema::{Unit, UnitKind};
    use qunjian_shared::{TownshipKind, TownshipMeta};

    fn township() -> automerge::Automerge {
        TownshipMeta::new("330825101", "城关镇", TownshipKind::Zhen, "330825")
            .and_then(|meta| meta.new_document())
            .expect("a valid township document")
    }

    #[test]
    fn reads_records_findings_and_heads() {
        let mut doc = township();
        let mut unit = Unit::new("某公司", UnitKind::Enterprise);
        unit.credit_code = Some("91330825MA2DGX1X2K".into());
        let mut tx = doc.transaction();
        edit::add(&mut tx, &unit).expect("add");
        tx.commit();
        let p = read("330825101", &doc, Date::ymd(2026, 11, 24).expect("date")).expect("read");
        assert_eq!(p.doc.units.len(), 1);
        assert_eq!(p.heads.len(), 1);
        assert!(
            p.findings.iter().any(|f| f.field == "credit_code"),
            "{:?}",
            p.findings
        );
    }

    #[test]
    fn a_document_of_another_township_is_refused() {
        let doc = township();
        let err = read("330825102", &doc, Date::ymd(2026, 1, 1).expect("date")).unwrap_err();
        assert!(matches!(err, ReadError::WrongTownship { .. }), "{err}");
    }
}
