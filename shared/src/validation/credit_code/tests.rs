//! Tests of `credit_code`.

use super::*;

/// Published codes, each checked against its source and by `check`.
///
/// 91350100M000100Y43 by hand (the example used in GB 32100 guides):
/// values 9 1 3 5 0 1 0 0 M=21 0 0 0 1 0 0 Y=30 4; the non-zero products
/// with the weights are 9·1 + 1·3 + 3·9 + 5·27 + 1·26 + 21·20 + 1·8 +
/// 30·30 + 4·28 = 9 + 3 + 27 + 135 + 26 + 420 + 8 + 900 + 112 = 1640;
/// 1640 mod 31 = 28 (31·52 = 1612); 31 − 28 = 3 → '3', the 18th character.
const VALID: &[(&str, &str)] = &[
    ("91350100M000100Y43", "GB 32100 worked example (福州)"),
    ("914403001922038216", "华为技术有限公司"),
    ("91330100716105852F", "阿里巴巴（中国）网络技术有限公司"),
    ("91110000802100433B", "北京百度网讯科技有限公司"),
    ("91110108551385082Q", "小米科技有限责任公司"),
    ("91440300708461136T", "腾讯科技（深圳）有限公司"),
    ("91310000132260250X", "上海汽车集团股份有限公司"),
    ("12100000425006133D", "华东师范大学 (事业单位, category 1)"),
];

#[test]
fn published_codes_pass() {
    for (code, whose) in VALID {
        assert_eq!(check(code), Ok(()), "{code} ({whose})");
    }
}

#[test]
fn the_hand_computed_check_character_matches() {
    assert_eq!(check_character("91350100M000100Y4"), Some('3'));
}

#[test]
fn a_sum_divisible_by_31_gives_check_character_0() {
    // 17 zeros: sum 0, 31 − 0 = 31 → written as '0'.
    assert_eq!(check_character("00000000000000000"), Some('0'));
    assert_eq!(check("000000000000000000"), Ok(()));
}

#[test]
fn every_single_substitution_of_every_valid_code_is_rejected() {
    let alphabet: Vec<char> = ALPHABET.chars().collect();
    for (code, _) in VALID {
        let chars: Vec<char> = code.chars().collect();
        for i in 0..LENGTH {
            for &c in &alphabet {
                if c == chars[i] {
                    continue;
                }
                let mut bad = chars.clone();
                bad[i] = c;
                let bad: String = bad.into_iter().collect();
                let err = check(&bad);
                assert!(err.is_err(), "{bad} (from {code}) was accepted");
                let in_division = (2..8).contains(&i);
                if !in_division || c.is_ascii_digit() {
                    // Everything else is well-formed, so the check character catches it.
                    let expected = if i == 17 {
                        chars[17]
                    } else {
                        check_character(&bad[..17]).unwrap_or('?')
                    };
                    assert_eq!(
                        err,
                        Err(CreditCodeError::WrongCheckCharacter {
                            expected,
                            found: bad.chars().nth(17).unwrap_or('?'),
                        }),
                        "{bad}"
                    );
                } else {
                    assert_eq!(
                        err,
                        Err(CreditCodeError::DivisionNotDigit {
                            position: i + 1,
                            found: c
                        }),
                        "{bad}"
                    );
                }
            }
        }
    }
}

#[test]
fn codes_copied_wrongly_elsewhere_are_rejected() {
    // Seen in sample data online; their check characters do not match.
    for code in [
        "91110108MA01FQ8B0B",
        "9133010057462616XH",
        "91110000800088421P",
    ] {
        assert!(
            matches!(
                check(code),
                Err(CreditCodeError::WrongCheckCharacter { .. })
            ),
            "{code}"
        );
    }
}

#[test]
fn each_error_says_what_is_wrong() {
    assert_eq!(check(""), Err(CreditCodeError::WrongLength { length: 0 }));
    assert_eq!(
        check("91350100M000100Y4"),
        Err(CreditCodeError::WrongLength { length: 17 })
    );
    assert_eq!(
        check("91350100M000100Y433"),
        Err(CreditCodeError::WrongLength { length: 19 })
    );
    assert_eq!(
        check(" 91350100M000100Y43"),
        Err(CreditCodeError::SurroundingSpace)
    );
    assert_eq!(
        check("91350100m000100Y43"),
        Err(CreditCodeError::LowerCase {
            position: 9,
            found: 'm'
        })
    );
    // 'i' is lower case, but 'I' is not allowed either: not a case problem.
    assert_eq!(
        check("91350100i000100Y43"),
        Err(CreditCodeError::NotAllowed {
            position: 9,
            found: 'i'
        })
    );
    assert_eq!(
        check("91350100M000100O43"),
        Err(CreditCodeError::NotAllowed {
            position: 16,
            found: 'O'
        })
    );
    assert_eq!(
        check("91350100M０00100Y43"),
        Err(CreditCodeError::NotAllowed {
            position: 10,
            found: '０'
        })
    );
    // Full-width digits are not digits.
    assert_eq!(
        check("913501００M000100Y43"),
        Err(CreditCodeError::DivisionNotDigit {
            position: 7,
            found: '０'
        })
    );
    assert_eq!(
        check("9135a100M000100Y43"),
        Err(CreditCodeError::DivisionNotDigit {
            position: 5,
            found: 'a'
        })
    );
    assert_eq!(
        check("9135A100M000100Y43"),
        Err(CreditCodeError::DivisionNotDigit {
            position: 5,
            found: 'A'
        })
    );
    assert_eq!(
        check("91350100M000100Y44"),
        Err(CreditCodeError::WrongCheckCharacter {
            expected: '3',
            found: '4'
        })
    );
}

#[test]
fn messages_name_the_problem_in_both_languages() {
    let e = CreditCodeError::WrongCheckCharacter {
        expected: '3',
        found: '4',
    };
    assert!(e.to_string().contains("should be '3' but is '4'"));
    assert!(e.message_zh().contains("应为“3”，实为“4”"));
    let e = CreditCodeError::LowerCase {
        position: 9,
        found: 'm',
    };
    assert!(e.to_string().contains("use upper case ('M')"));
    assert!(e.message_zh().contains("请改为大写“M”"));
    let e = CreditCodeError::WrongLength { length: 17 };
    assert_eq!(e.message_zh(), "统一社会信用代码应为 18 位，现为 17 位");
}
