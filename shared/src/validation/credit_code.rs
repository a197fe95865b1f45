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
    #[error(
        "character {position} is '{found}', but positions 3-8 are the administrative division code: digits only"
    )]
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

/// The check character for the values of positions 1–17:
/// C18 = 31 − (Σ vᵢ·wᵢ mod 31), with 31 written as 0.
fn check_character_of(values: &[u32; 17]) -> char {
    let sum: u32 = values.iter().zip(WEIGHTS).map(|(v, w)| v * w).sum();
    let c18 = (31 - sum % 31) % 31;
    // c18 < 31 = ALPHABET.len(), and ALPHABET is ASCII.
    char::from(ALPHABET.as_bytes()[c18 as usize])
}

/// The check character the first 17 characters of a code call for;
/// `None` unless `first17` is 17 characters of the alphabet.
pub fn check_character(first17: &str) -> Option<char> {
    let values: Vec<u32> = first17.chars().map(value).collect::<Option<_>>()?;
    let values: [u32; 17] = values.try_into().ok()?;
    Some(check_character_of(&values))
}

/// Check a 统一社会信用代码. The first problem found is returned, in the
/// order: spaces, length, each character from the left, check character.
pub fn check(code: &str) -> Result<(), CreditCodeError> {
    if code.trim() != code {
        return Err(CreditCodeError::SurroundingSpace);
    }
    let chars: Vec<char> = code.chars().collect();
    let Ok(chars) = <[char; LENGTH]>::try_from(chars) else {
        return Err(CreditCodeError::WrongLength {
            length: code.chars().count(),
        });
    };
    let mut values = [0u32; 17];
    for (i, &c) in chars.iter().enumerate() {
        let position = i + 1;
        // The division code is digits: say so, even for a lower-case letter.
        if (3..=8).contains(&position) && !c.is_ascii_digit() {
            return Err(CreditCodeError::DivisionNotDigit { position, found: c });
        }
        let Some(v) = value(c) else {
            let upper = c.to_ascii_uppercase();
            return Err(if c.is_ascii_lowercase() && value(upper).is_some() {
                CreditCodeError::LowerCase { position, found: c }
            } else {
                CreditCodeError::NotAllowed { position, found: c }
            });
        };
        if let Some(slot) = values.get_mut(i) {
            *slot = v;
        }
    }
    let expected = check_character_of(&values);
    let found = chars[17];
    if expected == found {
        Ok(())
    } else {
        Err(CreditCodeError::WrongCheckCharacter { expected, found })
    }
}

#[cfg(test)]
mod tests;
