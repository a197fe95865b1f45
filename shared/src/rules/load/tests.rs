//! Tests of reading the rules file.

use super::*;
use crate::rules::{Percent, Thresholds};

#[test]
fn an_empty_file_is_the_seed_defaults() {
    let rules = Rules::from_toml_str("").unwrap();
    assert_eq!(rules, Rules::default());
    assert_eq!(rules.county_name, "本县");
    assert_eq!(rules.thresholds.work_committee_female_staff, 30);
    assert_eq!(rules.thresholds.union_employees, 25);
    assert_eq!(rules.thresholds.union_deadline_months, 12);
    assert_eq!(rules.targets.union_formation_50, Percent(85.0));
    assert_eq!(rules.targets.federation_chair_full_time.fraction(), 0.7);
    assert_eq!(rules.nominations.new_members_per_year, 500);
    assert_eq!(rules.visits.visits_per_year, 2);
}

#[test]
fn overriding_one_key_keeps_every_other_default() {
    let rules = Rules::from_toml_str(
        "county_name = \"龙游县\"\n\
         county_code = \"330825\"\n\
         [thresholds]\n\
         union_employees = 20\n",
    )
    .unwrap();
    let expected = Rules {
        county_name: "龙游县".into(),
        county_code: "330825".into(),
        thresholds: Thresholds {
            union_employees: 20,
            ..Thresholds::default()
        },
        ..Rules::default()
    };
    assert_eq!(rules, expected);
}

#[test]
fn rates_are_percentages_integer_or_decimal() {
    let rules = Rules::from_toml_str(
        "targets.union_formation_50 = 80\n\
         [nominations]\n\
         women_share_min = 22.5\n",
    )
    .unwrap();
    assert_eq!(rules.targets.union_formation_50, Percent(80.0));
    assert_eq!(rules.nominations.women_share_min, Percent(22.5));
    assert_eq!(rules.targets.union_formation_100, Percent(90.0));
}

#[test]
fn an_unknown_key_is_named_with_its_line_and_the_keys_allowed() {
    let err = Rules::from_toml_str(
        "county_name = \"龙游县\"\n\
         [targets]\n\
         union_formaton_50 = 80\n",
    )
    .unwrap_err();
    match &err {
        RulesError::UnknownKey { key, line, allowed } => {
            assert_eq!(key, "targets.union_formaton_50");
            assert_eq!(*line, 3);
            assert!(allowed.contains("union_formation_50"), "{allowed}");
            assert!(!allowed.contains("union_employees"), "{allowed}");
        }
        other => panic!("{other:?}"),
    }
    let msg = err.to_string();
    assert!(
        msg.starts_with("规则文件第 3 行 targets.union_formaton_50: 没有这一项"),
        "{msg}"
    );
    assert!(msg.contains("(unknown key)"), "{msg}");
}

#[test]
fn an_unknown_section_or_top_level_key_is_refused_too() {
    let err = Rules::from_toml_str("\n[target]\nunion_formation_50 = 80\n").unwrap_err();
    assert!(
        matches!(&err, RulesError::UnknownKey { key, line: 2, .. } if key == "target"),
        "{err:?}"
    );
    let err = Rules::from_toml_str("county = \"x\"\n").unwrap_err();
    assert!(
        matches!(&err, RulesError::UnknownKey { key, line: 1, .. } if key == "county"),
        "{err:?}"
    );
}

#[test]
fn a_wrong_type_names_the_key_the_line_and_what_it_takes() {
    let err = Rules::from_toml_str(
        "[thresholds]\n\
         league_youth = 3\n\
         union_employees = \"二十五\"\n",
    )
    .unwrap_err();
    match &err {
        RulesError::WrongType {
            key, line, value, ..
        } => {
            assert_eq!(key, "thresholds.union_employees");
            assert_eq!(*line, Some(3));
            assert_eq!(value, "\"二十五\"");
        }
        other => panic!("{other:?}"),
    }
    let msg = err.to_string();
    assert!(
        msg.starts_with(
            "规则文件第 3 行 thresholds.union_employees = \"二十五\": 应为不小于 0 的整数"
        ),
        "{msg}"
    );
}

#[test]
fn a_negative_count_a_string_rate_and_a_scalar_section_are_wrong_types() {
    let err = Rules::from_toml_str("[visits]\nvisits_per_year = -2\n").unwrap_err();
    assert!(
        matches!(&err, RulesError::WrongType { key, line: Some(2), .. } if key == "visits.visits_per_year"),
        "{err:?}"
    );
    let err = Rules::from_toml_str("[targets]\nleague_formation = \"100%\"\n").unwrap_err();
    assert!(
        matches!(&err, RulesError::WrongType { key, line: Some(2), .. } if key == "targets.league_formation"),
        "{err:?}"
    );
    let err = Rules::from_toml_str("county_code = \"1\"\nthresholds = 5\n").unwrap_err();
    assert!(
        matches!(&err, RulesError::WrongType { key, line: Some(2), .. } if key == "thresholds"),
        "{err:?}"
    );
}

#[test]
fn a_rate_above_100_percent_is_refused_with_key_and_line() {
    let err = Rules::from_toml_str(
        "# 本县规则\n\
         [targets]\n\
         union_formation_50 = 120\n",
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "规则文件第 3 行 targets.union_formation_50 = 120: 比率不能超过 100% (rate above 100 %)"
    );
}

#[test]
fn a_negative_rate_and_a_reversed_range_are_refused() {
    let err = Rules::from_toml_str("[nominations]\nwomen_share_min = -5\n").unwrap_err();
    assert_eq!(
        err.to_string(),
        "规则文件第 2 行 nominations.women_share_min = -5: 比率不能小于 0% (rate below 0 %)"
    );
    let err = Rules::from_toml_str("[visits]\nlinked_min = 4\n").unwrap_err();
    assert_eq!(
        err.to_string(),
        "规则文件第 2 行 visits.linked_min = 4: 不能大于 visits.linked_max = 3 (minimum above maximum)"
    );
}

#[test]
fn a_county_code_that_is_not_six_digits_is_refused_with_its_line() {
    let err =
        Rules::from_toml_str("county_name = \"龙游县\"\ncounty_code = \"3308\"\n").unwrap_err();
    assert!(
        matches!(&err, RulesError::County { key, line: Some(2), .. } if key == "county_code"),
        "{err:?}"
    );
    assert!(err.to_string().contains("6 位数字"), "{err}");
    let err = Rules::from_toml_str("county_name = \"\"\n").unwrap_err();
    assert!(
        matches!(&err, RulesError::County { key, line: Some(1), .. } if key == "county_name"),
        "{err:?}"
    );
    let rules = Rules::from_toml_str("county_name = \" 龙游县 \"\n").unwrap();
    assert_eq!(
        (rules.county_name.as_str(), rules.county_code.as_str()),
        ("龙游县", "")
    );
}

#[test]
fn broken_toml_is_a_syntax_error_with_its_line() {
    let err = Rules::from_toml_str("county_name = \"龙游县\"\n[targets\n").unwrap_err();
    assert!(
        matches!(err, RulesError::Syntax { line: Some(2), .. }),
        "{err:?}"
    );
}

#[test]
fn a_missing_file_names_the_path() {
    let err = Rules::load("/nonexistent/rules.toml").unwrap_err();
    assert!(matches!(err, RulesError::Read { .. }));
    assert!(err.to_string().contains("/nonexistent/rules.toml"));
}

#[test]
fn a_file_on_disk_loads() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rules.toml");
    std::fs::write(&path, "[thresholds]\nleague_youth = 5\n").unwrap();
    let rules = Rules::load(&path).unwrap();
    assert_eq!(rules.thresholds.league_youth, 5);
}

/// The shipped example sets every key to its default, so a county can copy
/// it and change what differs.
#[test]
fn the_example_file_lists_every_key_at_its_default() {
    let text = include_str!("../../../../docs/rules.example.toml");
    assert_eq!(Rules::from_toml_str(text).unwrap(), Rules::default());
    let doc = DeTable::parse(text).unwrap();
    let written: Vec<String> = located::flatten(text, doc.get_ref())
        .into_iter()
        .map(|k| k.path)
        .collect();
    for key in known_keys().keys() {
        assert!(written.contains(key), "docs/rules.example.toml lacks {key}");
    }
}
