//! `qunjian set`: write one raw value into a record or `meta`, for fixes
//! the typed commands do not cover. The library refuses a value the
//! record would no longer read with, so a typo cannot hide a record.

use anyhow::Context;
use qunjian_client::Township;

/// Put the JSON scalar `value` at `path` (keys separated by '/').
pub fn set(township: &Township, path: &str, value: &str) -> anyhow::Result<String> {
    let value: serde_json::Value = serde_json::from_str(value)
        .with_context(|| format!("'{value}' is not JSON; quote text like '\"城关村\"'"))?;
    township.set_value(path, &value)?;
    Ok(format!("已设置 {path} (offline; `qunjian sync` sends it)"))
}
