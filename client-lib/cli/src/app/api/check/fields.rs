//! A conflicted field and its values in a cadre's words: the labels live in
//! `qunjian_shared::field_words`, shared with the county's 数据质量 and
//! with conflict messages, so a field is called the same everywhere.

use serde_json::Value;

pub use qunjian_shared::field_words::{label, shown};

/// Whether "keep this value" can write it back: a map or list that
/// Automerge lists as `{"object": …}` cannot, and is settled with
/// `qunjian resolve` by writing the whole value.
pub fn keepable(value: &Value) -> bool {
    !(value.is_object() || value.is_array())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_and_lists_cannot_be_kept_as_they_are() {
        assert!(!keepable(&serde_json::json!({"object": "map"})));
        assert!(keepable(&Value::from(3)));
    }
}
