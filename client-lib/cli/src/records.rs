//! What every record command shares: ids given by a unique prefix, enum
//! values as stored (`village`) or in Chinese (`行政村`), dates, fields a
//! flag sets or (given empty) clears, entries refused with what to fix,
//! `--json`, archive and restore. Each kind's commands live in the file
//! named for it (units.rs, people.rs, nominations.rs, activities.rs,
//! honors.rs, visits.rs).

use anyhow::{Context, bail};
use qunjian_client::schema::{Date, EnumValues, Record};
use qunjian_client::{ClientError, Force, Township};

/// Parse an enum from its stored code or its Chinese word.
pub fn enum_value<T: EnumValues + std::str::FromStr>(given: &str, flag: &str) -> anyhow::Result<T> {
    let given = given.trim();
    let code = T::values()
        .into_iter()
        .find(|(code, label)| *code == given || *label == given)
        .map(|(code, _)| code);
    match code.and_then(|c| c.parse().ok()) {
        Some(v) => Ok(v),
        None => {
            let allowed: Vec<String> = T::values()
                .iter()
                .map(|(c, l)| format!("{c} ({l})"))
                .collect();
            bail!(
                "{flag} '{given}' is not known: use one of {}",
                allowed.join(", ")
            )
        }
    }
}

/// Several enum values, comma-separated (`，` and `、` too); empty is none.
pub fn enum_values<T: EnumValues + std::str::FromStr>(
    given: &str,
    flag: &str,
) -> anyhow::Result<Vec<T>> {
    list(given)
        .iter()
        .map(|v| enum_value::<T>(v, flag))
        .collect()
}

/// The items of a comma-separated list, trimmed, blanks dropped.
pub fn list(given: &str) -> Vec<String> {
    given
        .split([',', '，', '、'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// A `YYYY-MM-DD` date given to `flag`.
pub fn date(given: &str, flag: &str) -> anyhow::Result<Date> {
    given.parse::<Date>().with_context(|| flag.to_string())
}

/// A count given to `flag`.
pub fn count(given: &str, flag: &str) -> anyhow::Result<u32> {
    given
        .trim()
        .parse()
        .with_context(|| format!("{flag} '{given}' 不是非负整数 (not a whole number)"))
}

/// A year given to `flag`.
pub fn year(given: &str, flag: &str) -> anyhow::Result<u16> {
    given
        .trim()
        .parse()
        .with_context(|| format!("{flag} '{given}' 不是年份，写成 1990 这样 (not a year)"))
}

/// Yes or no: true/false, yes/no, 是/否, 已建/未建, 1/0.
pub fn yes_no(given: &str, flag: &str) -> anyhow::Result<bool> {
    match given.trim() {
        "true" | "yes" | "y" | "1" | "是" | "已建" | "有" => Ok(true),
        "false" | "no" | "n" | "0" | "否" | "未建" | "无" => Ok(false),
        other => bail!("{flag} '{other}' 应为 是/否 (true/false)"),
    }
}

/// Set an optional field from a flag: not given leaves it, empty clears
/// it, anything else is parsed by `parse`.
pub fn set_opt<T>(
    target: &mut Option<T>,
    given: Option<String>,
    parse: impl FnOnce(&str) -> anyhow::Result<T>,
) -> anyhow::Result<()> {
    if let Some(given) = given {
        let given = given.trim();
        *target = if given.is_empty() {
            None
        } else {
            Some(parse(given)?)
        };
    }
    Ok(())
}

/// Set an optional text field from a flag (empty clears it).
pub fn set_text(target: &mut Option<String>, given: Option<String>) {
    if let Some(given) = given {
        let given = given.trim();
        *target = (!given.is_empty()).then(|| given.to_string());
    }
}

/// A required text given to `flag`, trimmed; blank is refused.
pub fn required(given: &str, flag: &str, what: &str) -> anyhow::Result<String> {
    let given = given.trim();
    if given.is_empty() {
        bail!("{flag} 为空：请填写{what} ({flag} is empty)");
    }
    Ok(given.to_string())
}

/// The id of a record of kind `R`: the id itself, or a prefix of exactly
/// one id (archived records included, so they can be restored).
pub fn record_id<R: Record>(township: &Township, given: &str) -> anyhow::Result<String> {
    let given = given.trim();
    if given.is_empty() {
        bail!("没有给出{}编号 (no id given)", R::NAME_ZH);
    }
    let ids: Vec<String> = township
        .list_all::<R>()
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    if ids.iter().any(|id| id == given) {
        return Ok(given.to_string());
    }
    let matching: Vec<&String> = ids.iter().filter(|id| id.starts_with(given)).collect();
    match matching.as_slice() {
        [one] => Ok((*one).clone()),
        [] => bail!(
            "没有这条{}记录: {given}；`qunjian {} list --all` 列出编号 (no such record)",
            R::NAME_ZH,
            noun::<R>()
        ),
        many => bail!(
            "编号前缀 {given} 对应 {} 条{}记录，请多写几位 (the prefix is not unique)",
            many.len(),
            R::NAME_ZH
        ),
    }
}

/// The command noun for a record kind, for messages.
fn noun<R: Record>() -> &'static str {
    match R::MAP {
        "units" => "unit",
        "people" => "person",
        "nominations" => "nomination",
        "activities" => "activity",
        "honors" => "honor",
        "exec_links" => "link",
        _ => "visit",
    }
}

/// Today, on this device's clock: dates after it are refused at entry.
pub fn today() -> Date {
    Date(chrono::Local::now().date_naive())
}

/// `--force` as the library's [`Force`].
pub fn force(flag: bool) -> Force {
    if flag { Force::Yes } else { Force::No }
}

/// An entry's result: when it was refused for its problems, each goes to
/// stderr on its own line (field and what to fix) before the one error.
pub fn entered<T>(result: Result<T, ClientError>) -> anyhow::Result<T> {
    match result {
        Err(ClientError::EntryRefused(problems)) => {
            for f in &problems.0 {
                let field = if f.field.is_empty() {
                    "(记录)"
                } else {
                    &f.field
                };
                eprintln!("{field}: {}", f.message_zh);
            }
            bail!(
                "录入有 {} 个问题，未保存：改正后重试，或确认无误后加 --force 照样记录 (entry refused; --force records it anyway)",
                problems.0.len()
            )
        }
        other => Ok(other?),
    }
}

/// Print records as JSON: `[[id, record], ...]`.
fn print_list_json<R: Record>(records: &[(String, R)]) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(records)?);
    Ok(())
}

/// Print one record as JSON, its id included as `id`.
fn print_json<R: Record>(id: &str, record: &R) -> anyhow::Result<()> {
    let mut value = serde_json::to_value(record)?;
    if let Some(map) = value.as_object_mut() {
        map.insert("id".into(), id.into());
    }
    println!("{}", serde_json::to_string_pretty(&value)?);
    Ok(())
}

/// `list`: the records as JSON, or a header and one tab-separated line
/// each: the id, then `cells`, then `(已归档)` when the record is archived.
/// Every record kind prints the same way, so a spreadsheet or a script
/// reads any of them alike.
pub fn print_list<R: Record>(
    records: &[(String, R)],
    json: bool,
    header: &[&str],
    cells: impl Fn(&R) -> Vec<String>,
) -> anyhow::Result<Option<String>> {
    if json {
        print_list_json(records)?;
        return Ok(None);
    }
    println!("编号\t{}", header.join("\t"));
    for (id, r) in records {
        let archived = if r.archived() { "\t(已归档)" } else { "" };
        println!("{id}\t{}{archived}", cells(r).join("\t"));
    }
    Ok(None)
}

/// `show`: one record as JSON (its id included), or `key: value` lines:
/// 编号, then `rows`, then 已归档 when it is archived.
pub fn print_show<R: Record>(
    township: &Township,
    ShowArgs { id, json }: ShowArgs,
    rows: impl FnOnce(&R) -> Vec<(&'static str, String)>,
) -> anyhow::Result<Option<String>> {
    let (id, record) = fetch::<R>(township, &id)?;
    if json {
        print_json(&id, &record)?;
        return Ok(None);
    }
    let mut all = vec![("编号", id)];
    all.extend(rows(&record));
    let archived = if record.archived() { "是" } else { "" };
    all.push(("已归档", archived.to_string()));
    println!("{}", fields(&all));
    Ok(None)
}

/// The records to list: not archived, or all with `--all`.
pub fn listed<R: Record>(township: &Township, all: bool) -> Vec<(String, R)> {
    if all {
        township.list_all::<R>()
    } else {
        township.list::<R>()
    }
}

/// The record with this id (or prefix), or a message saying there is none.
pub fn fetch<R: Record>(township: &Township, given: &str) -> anyhow::Result<(String, R)> {
    let id = record_id::<R>(township, given)?;
    match township.get::<R>(&id)? {
        Some(r) => Ok((id, r)),
        None => bail!("没有这条{}记录: {id} (no such record)", R::NAME_ZH),
    }
}

/// Archive (or restore) a record; what to print.
pub fn archive<R: Record>(
    township: &Township,
    given: &str,
    archived: bool,
) -> anyhow::Result<String> {
    let id = record_id::<R>(township, given)?;
    if archived {
        township.archive::<R>(&id)?;
        Ok(format!("已归档{} {id}", R::NAME_ZH))
    } else {
        township.restore::<R>(&id)?;
        Ok(format!("已恢复{} {id}", R::NAME_ZH))
    }
}

/// A unit's name for a listing (its id when it is not found).
pub fn unit_name(township: &Township, id: &str) -> String {
    match township.get::<qunjian_client::schema::Unit>(id) {
        Ok(Some(u)) => u.name,
        _ => id.to_string(),
    }
}

/// A person's name for a listing (the id when not found).
pub fn person_name(township: &Township, id: &str) -> String {
    match township.get::<qunjian_client::schema::Person>(id) {
        Ok(Some(p)) => p.name,
        _ => id.to_string(),
    }
}

/// `key: value` lines for `show`, skipping values not recorded.
fn fields(rows: &[(&str, String)]) -> String {
    rows.iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}: {v}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// An optional value as text (empty when not recorded).
pub fn opt<T: std::fmt::Display>(v: &Option<T>) -> String {
    v.as_ref().map(ToString::to_string).unwrap_or_default()
}

/// The flags of every record kind's `list`.
#[derive(clap::Args)]
pub struct ListArgs {
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
    /// 包括已归档 (include archived records).
    #[arg(long)]
    pub all: bool,
}

/// `show` of one record.
#[derive(clap::Args)]
pub struct ShowArgs {
    /// 编号 (the record's id, or a unique prefix of it).
    pub id: String,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// `archive` and `restore` of one record.
#[derive(clap::Args)]
pub struct IdArg {
    /// 编号 (the record's id, or a unique prefix of it).
    pub id: String,
}
