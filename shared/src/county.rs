//! The county a server serves: its name and its six-digit administrative
//! code, as report titles, exported files and `GET /api/me` show them.
//!
//! Both places a county can be named (`qunjian-server county set` and the
//! rules file's `county_name` / `county_code`) check them here, so one rule
//! decides what a good name is. Until a county is named, reports say
//! [`UNNAMED`].

use serde::{Deserialize, Serialize};

/// What reports call the county until it is named.
pub const UNNAMED: &str = "本县";

/// The most characters a county's name may have. The longest county name
/// in China (双江拉祜族佤族布朗族傣族自治县) has 15; 30 leaves room for a
/// 县级市 or a 区 with a prefix, and keeps a file name short.
pub const MAX_NAME_CHARS: usize = 30;

/// A county's name and code, as `GET /api/me` sends them: `code` is `null`
/// until one is set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct County {
    /// The six-digit administrative code (行政区划代码), e.g. `330825`.
    pub code: Option<String>,
    /// The name, e.g. `龙游县`; [`UNNAMED`] until set.
    pub name: String,
}

impl Default for County {
    fn default() -> Self {
        County {
            code: None,
            name: UNNAMED.to_string(),
        }
    }
}

/// A name or code that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CountyError {
    /// The code is not six digits.
    #[error(
        "县代码应为 6 位数字的行政区划代码，如 330825，实为“{0}” (the county code must be 6 digits)"
    )]
    Code(String),
    /// The name is empty.
    #[error("县名称不能为空，如 龙游县 (the county name must not be empty)")]
    EmptyName,
    /// The name is longer than [`MAX_NAME_CHARS`].
    #[error("县名称最多 {MAX_NAME_CHARS} 个字，实为 {0} 个 (the county name is too long)")]
    LongName(usize),
    /// The name holds a control character or one a file name cannot hold.
    #[error(
        "县名称不能含有控制字符或 / \\ : * ? \" < > | 等文件名不能用的字符 (the county name has a character file names cannot hold)"
    )]
    NameCharacters,
}

/// `code` checked: six ASCII digits, surrounding spaces removed.
pub fn check_code(code: &str) -> Result<String, CountyError> {
    let code = code.trim();
    if code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()) {
        Ok(code.to_string())
    } else {
        Err(CountyError::Code(clip(code)))
    }
}

/// `name` checked: not empty, at most [`MAX_NAME_CHARS`] characters, and
/// nothing a downloaded file's name cannot hold (the name starts every
/// exported file's name), surrounding spaces removed.
pub fn check_name(name: &str) -> Result<String, CountyError> {
    let name = name.trim();
    let chars = name.chars().count();
    if chars == 0 {
        return Err(CountyError::EmptyName);
    }
    if chars > MAX_NAME_CHARS {
        return Err(CountyError::LongName(chars));
    }
    let bad = |c: char| c.is_control() || "/\\:*?\"<>|".contains(c);
    if name.chars().any(bad) {
        return Err(CountyError::NameCharacters);
    }
    Ok(name.to_string())
}

/// A code as an error message quotes it: at most 20 characters, so a
/// pasted paragraph does not fill the screen.
fn clip(s: &str) -> String {
    let mut out: String = s.chars().take(20).collect();
    if s.chars().count() > 20 {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_six_digits() {
        assert_eq!(check_code(" 330825 "), Ok("330825".to_string()));
        for bad in ["", "33082", "3308250", "33082a", "３３０８２５", "330 825"] {
            assert!(
                matches!(check_code(bad), Err(CountyError::Code(_))),
                "{bad:?}"
            );
        }
        let long = "9".repeat(1000);
        assert!(check_code(&long).unwrap_err().to_string().len() < 200);
    }

    #[test]
    fn names_are_short_words() {
        assert_eq!(check_name(" 龙游县 "), Ok("龙游县".to_string()));
        assert_eq!(
            check_name("双江拉祜族佤族布朗族傣族自治县").map(|n| n.chars().count()),
            Ok(15)
        );
        assert_eq!(check_name("  "), Err(CountyError::EmptyName));
        assert_eq!(check_name(&"县".repeat(31)), Err(CountyError::LongName(31)));
        for bad in ["龙游/县", "龙游\n县", "龙游县?", "a\u{7}"] {
            assert_eq!(check_name(bad), Err(CountyError::NameCharacters), "{bad:?}");
        }
    }
}
