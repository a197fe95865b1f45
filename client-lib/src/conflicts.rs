//! Listing and settling fields where devices wrote different values
//! concurrently. Automerge keeps them all; a person decides.

use automerge::{ObjId, ObjType, ROOT, ReadDoc, Value};
use qunjian_shared::conflicts::Conflict;
use qunjian_shared::edit;
use serde::Serialize;

use crate::{ClientError, Township};

/// Who wrote one value of a conflicted field, as far as the document
/// records it: the change that wrote the value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Writer {
    /// The writing program's Automerge actor, hex (as the value's
    /// `author`). Each start of `qunjian` or `qunjian app` writes under a
    /// new one, so it tells two writers apart but does not name a device.
    pub author: String,
    /// When it was written, seconds since 1970, as the writer's clock
    /// said; `None` for changes made without a time (older programs).
    pub time: Option<i64>,
    /// The change's message: what the writer was doing (`修改单位 …`).
    pub message: Option<String>,
}

impl Township {
    /// Every field with more than one (different) value.
    pub fn conflicts(&self) -> Vec<Conflict> {
        self.read(qunjian_shared::conflicts::conflicts)
    }

    /// [`conflicts`](Self::conflicts), each value with the change that
    /// wrote it (in the order of the conflict's `values`; `None` where the
    /// change cannot be found), read in one go so the two agree.
    pub fn conflicts_with_writers(&self) -> Vec<(Conflict, Vec<Option<Writer>>)> {
        self.read(|doc| {
            let conflicts = qunjian_shared::conflicts::conflicts(doc);
            if conflicts.is_empty() {
                return Vec::new();
            }
            // One pass over the history for every value: conflicts are
            // few, changes many.
            let changes = doc.get_changes_meta(&[]);
            conflicts
                .into_iter()
                .map(|c| {
                    let writers = value_ids(doc, &c)
                        .iter()
                        .map(|op| {
                            let ObjId::Id(counter, actor, _) = op else {
                                return None;
                            };
                            changes
                                .iter()
                                .find(|m| {
                                    *m.actor == *actor
                                        && m.start_op <= *counter
                                        && *counter <= m.max_op
                                })
                                .map(|m| Writer {
                                    author: actor.to_hex_string(),
                                    time: (m.timestamp != 0).then_some(m.timestamp),
                                    message: m.message.as_deref().map(str::to_string),
                                })
                        })
                        .collect();
                    (c, writers)
                })
                .collect()
        })
    }

    /// Settle one field by writing `value` over all its values: `map` and
    /// `id` name the record, `field` its dotted path, as
    /// [`conflicts`](Self::conflicts) lists them.
    pub fn resolve(
        &self,
        map: &str,
        id: &str,
        field: &str,
        value: &serde_json::Value,
    ) -> Result<(), ClientError> {
        self.transact_checked(&format!("解决冲突 {map}/{id}/{field}"), |tx| {
            Ok(edit::resolve(tx, map, id, field, value)?)
        })
    }
}

/// The op ids of a conflicted field's values, in the order
/// `qunjian_shared::conflicts` lists them (both ask `get_all`).
fn value_ids(doc: &impl ReadDoc, c: &Conflict) -> Vec<ObjId> {
    let child = |obj: &ObjId, key: &str| match doc.get(obj, key) {
        Ok(Some((Value::Object(ObjType::Map), id))) => Some(id),
        _ => None,
    };
    let found = child(&ROOT, &c.map).and_then(|records| {
        let parts: Vec<&str> = c.field.split('.').filter(|p| !p.is_empty()).collect();
        match parts.split_last() {
            // The record created twice under one id: its key in the map.
            None => Some((records, c.id.as_str())),
            Some((last, parents)) => {
                // `meta` has no id level.
                let mut obj = if c.id.is_empty() {
                    records
                } else {
                    child(&records, &c.id)?
                };
                for part in parents {
                    obj = child(&obj, part)?;
                }
                Some((obj, *last))
            }
        }
    });
    let Some((obj, key)) = found else {
        return Vec::new();
    };
    doc.get_all(&obj, key)
        .map(|all| all.into_iter().map(|(_, id)| id).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use automerge::transaction::{CommitOptions, Transactable};
    use automerge::{ActorId, Automerge};
    use qunjian_shared::meta::{TownshipKind, TownshipMeta};

    use super::*;
    use crate::Replica;

    /// `doc` with units/u1/name = `name`, written by `actor` at `time`.
    fn rename(doc: &Automerge, actor: u8, name: &str, time: i64) -> Automerge {
        let mut doc = doc.fork().with_actor(ActorId::from(vec![actor; 16]));
        doc.transact_with::<_, _, automerge::AutomergeError, _>(
            |_| {
                CommitOptions::default()
                    .with_message(format!("改名为{name}"))
                    .with_time(time)
            },
            |tx| {
                let units = tx.get(ROOT, "units")?.expect("units").1;
                let unit = match tx.get(&units, "u1")? {
                    Some((Value::Object(ObjType::Map), id)) => id,
                    _ => tx.put_object(&units, "u1", ObjType::Map)?,
                };
                tx.put(&unit, "name", name)?;
                tx.put(&unit, "kind", "village")
            },
        )
        .expect("rename");
        doc
    }

    #[tokio::test]
    async fn each_conflicting_value_comes_with_the_change_that_wrote_it() {
        let meta = TownshipMeta::new("1", "城关镇", TownshipKind::Zhen, "").expect("meta");
        let base = rename(&meta.new_document().expect("doc"), 1, "城关村", 1_000);
        let mut a = rename(&base, 0xA, "城关村委会", 1_764_547_200);
        let b = rename(&base, 0xB, "城关社区", 1_764_550_800);
        a.merge(&mut b.clone()).expect("merge");

        let dir = std::env::temp_dir().join(format!("qunjian-writers-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        let replica = Replica::open(dir.join("r.db")).await.expect("open");
        let township = Township::new(replica.repo().create(a).await.expect("create"));

        let listed = township.conflicts_with_writers();
        assert_eq!(listed.len(), 1, "{listed:?}");
        let (conflict, writers) = &listed[0];
        assert_eq!(
            (conflict.map.as_str(), conflict.field.as_str()),
            ("units", "name")
        );
        assert_eq!(writers.len(), conflict.values.len());
        for (value, writer) in conflict.values.iter().zip(writers) {
            let writer = writer.as_ref().expect("the writing change is found");
            assert_eq!(writer.author, value.author);
            let (message, time) = match value.value.as_str() {
                Some("城关村委会") => ("改名为城关村委会", 1_764_547_200),
                Some("城关社区") => ("改名为城关社区", 1_764_550_800),
                other => panic!("unexpected value {other:?}"),
            };
            assert_eq!(writer.message.as_deref(), Some(message));
            assert_eq!(writer.time, Some(time));
        }

        // Settled, nothing is listed.
        township
            .resolve("units", "u1", "name", &serde_json::json!("城关村委会"))
            .expect("resolve");
        assert!(township.conflicts_with_writers().is_empty());
        replica.close().await;
        let _ = std::fs::remove_dir_all(&dir);
    }
}
