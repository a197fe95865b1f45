//! `qunjian set`: write one raw value anywhere in the document, for fixes
//! the typed commands do not cover.

use anyhow::{Context, bail};
use automerge::transaction::Transactable;
use automerge::{ObjType, ROOT, ReadDoc, Value};
use qunjian_client::Township;

/// Put the JSON scalar `value` at `path` (keys separated by '/').
pub fn set(township: &Township, path: &str, value: &str) -> anyhow::Result<String> {
    let value: serde_json::Value = serde_json::from_str(value)
        .with_context(|| format!("'{value}' is not JSON; quote text like '\"城关村\"'"))?;
    if value.is_array() || value.is_object() {
        bail!(
            "'{value}' is a list or map: `set` writes one scalar (text, number, true/false, null)"
        );
    }
    let keys: Vec<&str> = path.split('/').filter(|k| !k.is_empty()).collect();
    let Some((last, parents)) = keys.split_last() else {
        bail!("empty path: give keys such as units/u-001/name");
    };
    township.transact(&format!("设置 {path}"), |tx| {
        let mut obj = ROOT;
        for key in parents {
            obj = match tx.get(&obj, *key)? {
                Some((Value::Object(ObjType::Map), id)) => id,
                _ => tx.put_object(&obj, *key, ObjType::Map)?,
            };
        }
        match &value {
            serde_json::Value::String(s) => tx.put(&obj, *last, s.as_str()),
            serde_json::Value::Bool(b) => tx.put(&obj, *last, *b),
            serde_json::Value::Null => tx.put(&obj, *last, ()),
            serde_json::Value::Number(n) => match (n.as_i64(), n.as_f64()) {
                (Some(i), _) => tx.put(&obj, *last, i),
                (None, Some(f)) => tx.put(&obj, *last, f),
                _ => tx.put(&obj, *last, n.to_string()),
            },
            // Checked above: lists and maps never get here.
            _ => Ok(()),
        }
    })?;
    Ok(format!("已设置 {path} (offline; `qunjian sync` sends it)"))
}
