//! 统一社会信用代码 (unified social credit code), GB 32100-2015.
//!
//! Enterprises and social organizations are identified by this code, and a
//! cadre types it by hand from a licence, so a typo is the commonest error.
//! The 18th character is a check character over the first 17; because the
//! modulus (31) is prime and no weight is a multiple of it, any single
//! mistyped character changes the sum and is caught. Errors say exactly what
//! is wrong, in English (`Display`) and Chinese ([`CreditCodeError::message_zh`]).
//!
//! What is checked: length, the alphabet, digits in the administrative
//! division (positions 3–8), and the check character. What is not: the
//! registration-authority and category codes (positions 1–2), whose lists
//! the authorities extend from time to time, and the organization code's own
//! GB 11714 check inside positions 9–17 — the 18th character already covers
//! every position.

/// The 31 characters a code may use: digits and upper-case letters without
/// I, O, Z, S, V (too easily confused with 1, 0, 2, 5, U).
pub const ALPHABET: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";

/// Weights of positions 1–17 for the check character (3^(i-1) mod 31).
pub const WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// A code's length in characters.
pub const LENGTH: usize = 18;

/// What is wrong with a credit code. Positions count from 1, as printed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CreditCodeError {
    /// Spaces before or after the code (often pasted from a spreadsheet).
    #[error("the credit code has spaces before or after it: remove them")]
    SurroundingSpace,
    /// Not 18 characters.
    #[error("a credit code has 18 characters, this one has {length}")]
    WrongLength {
        /// How many characters it has.
        length: usize,
    },
    /// A lower-case letter whose upper case would be allowed.
    #[error("character {position} is '{found}': use upper case ('{}')", found.to_ascii_uppercase())]
    LowerCase {
        /// Where (1–18).
        position: usize,
        /// The letter found.
        found: char,
    },
    /// A character outside the alphabet.
    #[error(
        "character {position} is '{found}', which a credit code never uses \
         (digits and upper-case letters except I, O, Z, S, V)"
    )]
    NotAllowed {
        /// Where (1–18).
        position: usize,
        /// The character found.
        found: char,
    },
    /// A letter among positions 3–8, the administrative division code.
    #[error("character {position} is '{found}', but positions 3-8 are the administrative division code: digits only")]
    DivisionNotDigit {
        /// Where (3–8).
        position: usize,
        /// The character found.
        found: char,
    },
    /// The 18th character does not match the first 17.
    #[error(
        "the check character (18th) should be '{expected}' but is '{found}': \
         one of the 18 characters is mistyped"
    )]
    WrongCheckCharacter {
        /// What the first 17 characters call for.
        expected: char,
        /// What the code has.
        found: char,
    },
}

impl CreditCodeError {
    /// The same message in Chinese, for cadres.
    pub fn message_zh(&self) -> String {
        match self {
            CreditCodeError::SurroundingSpace => "统一社会信用代码前后有空格，请删除".to_string(),
            CreditCodeError::WrongLength { length } => {
                format!("统一社会信用代码应为 18 位，现为 {length} 位")
            }
            CreditCodeError::LowerCase { position, found } => format!(
                "统一社会信用代码第 {position} 位是小写字母“{found}”，请改为大写“{}”",
                found.to_ascii_uppercase()
            ),
            CreditCodeError::NotAllowed { position, found } => format!(
                "统一社会信用代码第 {position} 位“{found}”不是允许的字符（只用数字和大写字母，不用 I、O、Z、S、V）"
            ),
            CreditCodeError::DivisionNotDigit { position, found } => format!(
                "统一社会信用代码第 {position} 位是“{found}”，第 3–8 位是行政区划码，只能是数字"
            ),
            CreditCodeError::WrongCheckCharacter { expected, found } => format!(
                "统一社会信用代码校验位（第 18 位）应为“{expected}”，实为“{found}”，有字符录入错误"
            ),
        }
    }
}

/// A character's value (its index in [`ALPHABET`]), if it is allowed.
fn value(c: char) -> Option<u32> {
    ALPHABET.find(c).and_then(|i| u32::try_from(i).ok())
}

/// The check character the first 17 characters call for: C18 = 31 − (Σ vᵢ·wᵢ mod 31),
/// with 31 written as 0. `None` if a character is outside the alphabet.
pub fn check_character(first17: &str) -> Option<char> {
    if first17.chars().count() != WEIGHTS.len() {
        return None;
    }
    let mut sum = 0u32;
    for (c, w) in first17.chars().zip(WEIGHTS) {
        sum += value(c)? * w;
    }
    let c18 = (31 - sum % 31) % 31;
    ALPHABET.chars().nth(usize::try_from(c18).ok()?)
}

/// Check a 统一社会信用代码. The first problem found is returned, in the
/// order: spaces, length, each character from the left, check character.
pub fn check(code: &str) -> Result<(), CreditCodeError> {
    if code.trim() != code {
        return Err(CreditCodeError::SurroundingSpace);
    }
    let chars: Vec<char> = code.chars().collect();
    if chars.len() != LENGTH {
        return Err(CreditCodeError::WrongLength {
            length: chars.len(),
        });
    }
    for (i, &c) in chars.iter().enumerate() {
        let position = i + 1;
        if value(c).is_none() {
            let upper = c.to_ascii_uppercase();
            return Err(if c.is_ascii_lowercase() && value(upper).is_some() {
                CreditCodeError::LowerCase { position, found: c }
            } else {
                CreditCodeError::NotAllowed { position, found: c }
            });
        }
        if (3..=8).contains(&position) && !c.is_ascii_digit() {
            return Err(CreditCodeError::DivisionNotDigit { position, found: c });
        }
    }
    let first17: String = chars[..17].iter().collect();
    let found = chars[17];
    match check_character(&first17) {
        Some(expected) if expected == found => Ok(()),
        Some(expected) => Err(CreditCodeError::WrongCheckCharacter { expected, found }),
        // Unreachable: every character was checked above. Say so rather than panic.
        None => Err(CreditCodeError::WrongLength {
            length: chars.len(),
        }),
    }
}

#[cfg(test)]
mod tests {
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
                        let expected = if i == 17 { chars[17] } else { check_character(&bad[..17]).unwrap_or('?') };
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
                            Err(CreditCodeError::DivisionNotDigit { position: i + 1, found: c }),
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
        for code in ["91110108MA01FQ8B0B", "9133010057462616XH", "91110000800088421P"] {
            assert!(
                matches!(check(code), Err(CreditCodeError::WrongCheckCharacter { .. })),
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
            check("913501００M000100Y43"),
            Err(CreditCodeError::NotAllowed {
                position: 7,
                found: '０'
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
}
