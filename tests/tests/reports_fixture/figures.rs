//! Reading report rows back as plain tuples, and the coverage figures of
//! the fixture worked out by hand.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::{A, B, C};

/// `(township code, target key) -> (required, formed, rate, met)` of a coverage report.
pub type Coverage = BTreeMap<(String, String), (i64, i64, Option<f64>, Option<bool>)>;

pub fn coverage_of(rows: &[Value]) -> Coverage {
    rows.iter()
        .map(|r| {
            let key = (s(&r["township_code"]), s(&r["target_key"]));
            let value = (
                r["required"].as_i64().expect("required"),
                r["formed"].as_i64().expect("formed"),
                r["rate"].as_f64(),
                r["met"].as_bool(),
            );
            (key, value)
        })
        .collect()
}

pub fn s(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_string()
}

/// The same figures, rates compared to 1e-9.
pub fn assert_coverage(got: &Coverage, want: &[(&str, &str, i64, i64, Option<bool>)]) {
    assert_eq!(got.len(), want.len(), "{got:?}");
    for &(code, key, required, formed, met) in want {
        let (r, f, rate, m) = got
            .get(&(code.to_string(), key.to_string()))
            .unwrap_or_else(|| panic!("no row {code} {key}"));
        assert_eq!((*r, *f, *m), (required, formed, met), "{code} {key}");
        // The rate is formed / required, each count worked out by hand below.
        let want_rate = (required > 0).then(|| formed as f64 / required as f64);
        match (rate, want_rate) {
            (Some(a), Some(b)) => assert!((a - b).abs() < 1e-9, "{code} {key}: {a} != {b}"),
            (a, b) => assert_eq!(*a, b, "{code} {key}"),
        }
    }
}

pub const U100: &str = "union_formation_100";
pub const U50: &str = "union_formation_50";
pub const UALL: &str = "union_formation_all";
pub const LEAGUE: &str = "league_formation";
pub const HOME: &str = "womens_home_formation";
pub const LX: &str = "women_org_liangxin_formation";
pub const WC: &str = "womens_committee_formation";
pub const CHAIR: &str = "federation_chair_full_time";
pub const CONGRESS: &str = "congress_chair_on_committees";
pub const RESERVE: &str = "women_reserve_cadres";

/// Coverage on 2026-06-30, worked out from the fixture by hand.
#[rustfmt::skip]
pub const COVERAGE_0630: &[(&str, &str, i64, i64, Option<bool>)] = &[
    // 城关镇: ≥100: L1..L9 + X3 = 10, 9 with a union → 90 % ≥ 90 % met.
    (A, U100, 10, 9, Some(true)),
    // ≥50: 10 large + M1..M8, X1, X2 = 20; 9 + M1..M8 = 17 → 17/20 = 85 %, met (target 85 %).
    (A, U50, 20, 17, Some(true)),
    // all: + S1 (10 employees) = 21; 17/21 = 81 % < 90 %. The archived one is in none.
    (A, UALL, 21, 17, Some(false)),
    (A, LEAGUE, 0, 0, None),
    // 一村 has a 妇女之家, 二村 not: 1/2.
    (A, HOME, 2, 1, Some(false)),
    // Only M8 has women (40 ≥ 30 → 妇工委), and has one: 1/1.
    (A, LX, 1, 1, Some(true)),
    (A, WC, 0, 0, None),
    // The township's own 妇联 (founded 2020) has a full-time chair: 1/1.
    // Its villages' 妇联 (一村's chair full-time) do not count.
    (A, CHAIR, 1, 1, Some(true)),
    // No 妇代会 in the county: no figure anywhere.
    (A, CONGRESS, 0, 0, None),
    // Reserve cadres: one woman, one man: 50 % ≥ 20 %.
    (A, RESERVE, 2, 1, Some(true)),
    // 湖镇镇: no enterprise ≥ 100 → rate null; 5 of 60 employees, 3 unions: 60 %.
    (B, U100, 0, 0, None),
    (B, U50, 5, 3, Some(false)),
    (B, UALL, 5, 3, Some(false)),
    (B, LEAGUE, 0, 0, None),
    (B, HOME, 0, 0, None),
    (B, LX, 1, 1, Some(true)),
    (B, WC, 0, 0, None),
    // Its own 妇联's chair is part-time: 0/1.
    (B, CHAIR, 1, 0, Some(false)),
    (B, CONGRESS, 0, 0, None),
    // Three men: 0 %.
    (B, RESERVE, 3, 0, Some(false)),
    // 龙洲街道: one enterprise of 80 with a union; the agency lacks its 妇委会.
    (C, U100, 0, 0, None),
    (C, U50, 1, 1, Some(true)),
    (C, UALL, 1, 1, Some(true)),
    (C, LEAGUE, 0, 0, None),
    (C, HOME, 1, 1, Some(true)),
    (C, LX, 0, 0, None),
    (C, WC, 1, 0, Some(false)),
    // Nothing recorded of its own 妇联: 0/1.
    (C, CHAIR, 1, 0, Some(false)),
    (C, CONGRESS, 0, 0, None),
    (C, RESERVE, 0, 0, None),
    // 全县: sums of counts, not averages of rates.
    ("", U100, 10, 9, Some(true)),
    // 17 + 3 + 1 = 21 of 20 + 5 + 1 = 26 → 80.8 % (the mean of 85 %, 60 %, 100 % would be 81.7 %).
    ("", U50, 26, 21, Some(false)),
    ("", UALL, 27, 21, Some(false)),
    ("", LEAGUE, 0, 0, None),
    ("", HOME, 3, 2, Some(false)),
    ("", LX, 2, 2, Some(true)),
    ("", WC, 1, 0, Some(false)),
    // 1 of 3 townships → 33 % < 70 %.
    ("", CHAIR, 3, 1, Some(false)),
    ("", CONGRESS, 0, 0, None),
    // 1 of 2 + 0 of 3 = 1 of 5 = 20 %: met, though one township is at 0 %.
    ("", RESERVE, 5, 1, Some(true)),
];

/// `(code, unit, missing, due, overdue)` of a gaps report, as a set.
pub fn gaps_of(rows: &[Value]) -> BTreeSet<(String, String, String, Option<String>, bool)> {
    rows.iter()
        .map(|r| {
            (
                s(&r["township_code"]),
                s(&r["unit"]),
                s(&r["missing"]),
                r["due"].as_str().map(str::to_string),
                r["overdue"].as_bool().expect("overdue"),
            )
        })
        .collect()
}

pub fn gap(
    code: &str,
    unit: &str,
    missing: &str,
    due: Option<&str>,
    overdue: bool,
) -> (String, String, String, Option<String>, bool) {
    (
        code.into(),
        unit.into(),
        missing.into(),
        due.map(str::to_string),
        overdue,
    )
}

/// `[nominated, assembly, inspection, approval, upper_review, recommended,
/// party_decision, development_targets, under_35, women, out_of_order]`.
pub fn tally(r: &Value) -> Vec<i64> {
    [
        "nominated",
        "assembly",
        "inspection",
        "approval",
        "upper_review",
        "recommended",
        "party_decision",
        "development_targets",
        "under_35",
        "women",
        "out_of_order",
    ]
    .iter()
    .map(|k| r[*k].as_i64().unwrap_or_else(|| panic!("{k} in {r}")))
    .collect()
}
