//! How often scheduled backups run, as an operator types it: `30m`, `6h`,
//! `24h`, `1d`, or parts together (`1h30m`). A few lines, so no crate.

use std::time::Duration;

/// Why an interval was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "“{0}”不是有效的间隔：写成数字加单位 s（秒）、m（分）、h（时）、d（天），如 30m、6h、24h、1d \
     (not an interval: a number and a unit s, m, h or d, e.g. 30m, 6h, 24h, 1d)"
)]
pub struct IntervalError(pub String);

/// Parse `30m`, `6h`, `24h`, `1d`, `90s`, `1h30m`. At least one second:
/// zero would be a busy loop.
pub fn parse(text: &str) -> Result<Duration, IntervalError> {
    let refuse = || IntervalError(crate::text::clip(text));
    let mut total: u64 = 0;
    let mut digits = String::new();
    let mut parts = 0;
    for c in text.trim().chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let unit: u64 = match c {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86_400,
            _ => return Err(refuse()),
        };
        let n: u64 = digits.parse().map_err(|_| refuse())?;
        digits.clear();
        total = n
            .checked_mul(unit)
            .and_then(|secs| total.checked_add(secs))
            .ok_or_else(refuse)?;
        parts += 1;
    }
    if !digits.is_empty() || parts == 0 || total == 0 {
        return Err(refuse());
    }
    Ok(Duration::from_secs(total))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_units_an_operator_types() {
        let secs = |s: &str| parse(s).map(|d| d.as_secs());
        assert_eq!(secs("30m"), Ok(1800));
        assert_eq!(secs("6h"), Ok(6 * 3600));
        assert_eq!(secs("24h"), Ok(86_400));
        assert_eq!(secs("1d"), Ok(86_400));
        assert_eq!(secs("1s"), Ok(1));
        assert_eq!(secs("1h30m"), Ok(5400));
        assert_eq!(secs(" 2d "), Ok(2 * 86_400));
    }

    #[test]
    fn a_bare_number_zero_or_nonsense_is_refused() {
        for bad in [
            "",
            "24",
            "0h",
            "h",
            "1x",
            "1.5h",
            "-1h",
            "1h 30m",
            "天",
            "99999999999999999999d",
        ] {
            let err = parse(bad).expect_err(bad);
            assert!(err.to_string().contains("24h"), "{bad}: {err}");
        }
    }
}
