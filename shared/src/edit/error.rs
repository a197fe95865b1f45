//! Why an edit was refused. Every message says what to fix, in Chinese first.

/// An edit that could not be made; nothing of it was written.
#[derive(Debug, thiserror::Error)]
pub enum EditError {
    /// No record of this kind has this id.
    #[error("没有这条{kind}记录: {id} (no such record)")]
    NoSuchRecord {
        /// The record kind, in Chinese.
        kind: &'static str,
        /// The id asked for.
        id: String,
    },
    /// A record refers to another that does not exist.
    #[error("{kind} {id} 不存在, 无法引用 (cannot refer to a {kind} that does not exist: {id})")]
    DanglingReference {
        /// The kind referred to, in Chinese.
        kind: &'static str,
        /// The id given.
        id: String,
    },
    /// A 推优 step was recorded before the step it needs.
    #[error(
        "不能记录「{step}」: 还缺少上一步「{missing}」 (step {step_code} needs {missing_code} first)"
    )]
    StepOutOfOrder {
        /// The step being recorded, in Chinese.
        step: &'static str,
        /// The missing predecessor, in Chinese.
        missing: &'static str,
        /// The step's code.
        step_code: &'static str,
        /// The predecessor's code.
        missing_code: &'static str,
    },
    /// A record in the document does not fit its type.
    #[error("record {id} cannot be read: {reason}")]
    Unreadable {
        /// The record id.
        id: String,
        /// What does not fit.
        reason: String,
    },
    /// A record could not be written.
    #[error("record {id} cannot be written: {reason}")]
    Unwritable {
        /// The record id.
        id: String,
        /// Why.
        reason: String,
    },
    /// A field path given to `resolve` does not exist.
    #[error("no field {field} in {map}/{id}")]
    NoSuchField {
        /// The record map.
        map: String,
        /// The record id.
        id: String,
        /// The dotted field path.
        field: String,
    },
    /// A raw write would leave its record unreadable; it was rolled back.
    #[error(
        "{path} 写入的值不符合文档结构，记录将无法读取，已撤销：{reason} (the value does not fit the schema; nothing was written)"
    )]
    DoesNotFit {
        /// The path written.
        path: String,
        /// What no longer reads.
        reason: String,
    },
    /// A raw path that is not a field of the schema.
    #[error("路径 {path} 不可写入：{why}")]
    BadPath {
        /// The path given.
        path: String,
        /// What is wrong with it, and what to write instead.
        why: &'static str,
    },
    /// `resolve` was asked to settle a field that has one value.
    #[error(
        "{map}/{id} 的 {field} 没有冲突，无需解决：`qunjian check` 列出有冲突的字段；要修改它请用相应的 update 命令 (the field is not in conflict)"
    )]
    NotInConflict {
        /// The record map.
        map: String,
        /// The record id.
        id: String,
        /// The dotted field path.
        field: String,
    },
    /// Automerge refused the write.
    #[error("automerge: {0}")]
    Automerge(#[from] automerge::AutomergeError),
}
