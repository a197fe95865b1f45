//! One ledger row → one typed record, or every [`RowError`] in it. Pure: no
//! document, no file. References to other records (a person's unit) are
//! kept as names here and resolved by `import`.

use chrono::{Datelike, NaiveDate};
use qunjian_shared::schema::{
    Activity, ActivityKind, Date, Gender, Honor, HonorLevel, HonorTitle, OrgKind, PartyStage,
    Person, Role, Set, Unit, UnitKind, Visit,
};
use qunjian_shared::validation::credit_code;

use super::columns::SheetKind;
use super::{LedgerRow, RowError};

/// A person row: the person, and what the row said beyond it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonRow {
    /// The person (its `unit` still empty: see `unit_name`).
    pub person: Person,
    /// 所属单位, by name.
    pub unit_name: Option<String>,
    /// Whether 政治面貌 was filled in (an update leaves it alone otherwise).
    pub stage_given: bool,
    /// Whether 职务 was filled in.
    pub roles_given: bool,
}

/// An activity row.
#[derive(Debug, Clone, PartialEq)]
pub struct ActivityRow {
    /// The activity (its `units` still empty: see `unit_names`).
    pub activity: Activity,
    /// 参与单位, by name.
    pub unit_names: Vec<String>,
}

/// A 荣誉 row: the honor, and its recipient by name (resolved by `import`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HonorRow {
    /// The honor (its recipients still empty).
    pub honor: Honor,
    /// 获奖单位, by name.
    pub unit_name: Option<String>,
    /// 获奖人, by name.
    pub person_name: Option<String>,
}

/// A 走访 row: the visit, and the unit visited by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VisitRow {
    /// The visit (its `unit` still empty).
    pub visit: Visit,
    /// 走访单位, by name.
    pub unit_name: String,
}

/// Reads one row's cells, collecting every error.
struct Cells<'a> {
    row: &'a LedgerRow,
    kind: SheetKind,
    errors: Vec<RowError>,
}

impl<'a> Cells<'a> {
    fn new(row: &'a LedgerRow, kind: SheetKind) -> Self {
        Cells {
            row,
            kind,
            errors: Vec::new(),
        }
    }

    fn refuse(&mut self, code: &str, message: String) {
        self.errors.push(RowError {
            sheet: self.row.sheet.clone(),
            row: self.row.row,
            column: self.kind.header(code).to_string(),
            message,
        });
    }

    fn text(&self, code: &str) -> Option<&'a str> {
        self.row
            .cells
            .get(code)
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
    }

    fn required(&mut self, code: &str) -> Option<&'a str> {
        let v = self.text(code);
        if v.is_none() {
            let zh = self.kind.header(code);
            self.refuse(code, format!("{zh}不能为空"));
        }
        v
    }

    fn count(&mut self, code: &str) -> Option<u32> {
        let text = self.text(code)?;
        match text.parse::<u32>() {
            Ok(n) => Some(n),
            Err(_) => {
                self.refuse(code, format!("“{text}”不是人数：请填写 0 或正整数"));
                None
            }
        }
    }

    fn year(&mut self, code: &str, this_year: i32) -> Option<u16> {
        let text = self.text(code)?;
        match text.parse::<u16>() {
            Ok(y) if (1900..=this_year).contains(&i32::from(y)) => Some(y),
            _ => {
                let zh = self.kind.header(code);
                self.refuse(
                    code,
                    format!("“{text}”不是{zh}：请填写 1900 到 {this_year} 之间的四位年份"),
                );
                None
            }
        }
    }

    fn date(&mut self, code: &str) -> Option<Date> {
        let text = self.text(code)?;
        match parse_date(text) {
            Some(d) => Some(d),
            None => {
                self.refuse(
                    code,
                    format!("“{text}”不是日期：请填写 Excel 日期或 2026-03-01 这样的文字"),
                );
                None
            }
        }
    }

    fn enum_value<E: Copy>(
        &mut self,
        code: &str,
        all: &[E],
        as_str: fn(E) -> &'static str,
        label: fn(E) -> &'static str,
    ) -> Option<E> {
        let text = self.text(code)?;
        match find_enum(text, all, as_str, label) {
            Some(v) => Some(v),
            None => {
                let allowed: Vec<&str> = all.iter().map(|v| label(*v)).collect();
                let zh = self.kind.header(code);
                self.refuse(
                    code,
                    format!("未知的{zh}“{text}”：可填 {}", allowed.join("、")),
                );
                None
            }
        }
    }

    fn enum_list<E: Copy + Ord>(
        &mut self,
        code: &str,
        all: &[E],
        as_str: fn(E) -> &'static str,
        label: fn(E) -> &'static str,
    ) -> Option<Set<E>> {
        let text = self.text(code)?;
        let mut out = Set::new();
        for part in split_list(text) {
            match find_enum(part, all, as_str, label) {
                Some(v) => {
                    out.insert(v);
                }
                None => {
                    let allowed: Vec<&str> = all.iter().map(|v| label(*v)).collect();
                    let zh = self.kind.header(code);
                    self.refuse(
                        code,
                        format!(
                            "未知的{zh}“{part}”：可填 {}（多个用“、”分隔）",
                            allowed.join("、")
                        ),
                    );
                }
            }
        }
        Some(out)
    }

    fn finish<T>(self, value: Option<T>) -> Result<T, Vec<RowError>> {
        match value {
            Some(v) if self.errors.is_empty() => Ok(v),
            _ => Err(self.errors),
        }
    }
}

/// Several values in one cell: separated by 、, commas, semicolons or
/// line breaks.
fn split_list(text: &str) -> impl Iterator<Item = &str> {
    text.split(['、', ',', '，', ';', '；', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// An enum value from its stored code or its Chinese label.
fn find_enum<E: Copy>(
    text: &str,
    all: &[E],
    as_str: fn(E) -> &'static str,
    label: fn(E) -> &'static str,
) -> Option<E> {
    let text = text.trim();
    all.iter()
        .copied()
        .find(|v| as_str(*v) == text || label(*v) == text)
}

/// `2026-03-01` or `2026/3/1` (an Excel date reaches here already as the former).
fn parse_date(text: &str) -> Option<Date> {
    ["%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d"]
        .iter()
        .find_map(|f| NaiveDate::parse_from_str(text.trim(), f).ok())
        .map(Date)
}

/// A 单位 row. Checked on entry: name and kind present, kind known, the
/// credit code's form and check character, counts that are whole numbers
/// and do not exceed 职工人数, the date.
pub fn unit_row(row: &LedgerRow) -> Result<Unit, Vec<RowError>> {
    let mut c = Cells::new(row, SheetKind::Units);
    let name = c.required("name");
    let kind_given = c.required("kind").is_some();
    let kind = if kind_given {
        c.enum_value("kind", UnitKind::ALL, UnitKind::as_str, UnitKind::label)
    } else {
        None
    };
    let credit = c.text("credit_code");
    if let Some(code) = credit
        && let Err(e) = credit_code::check(code)
    {
        c.refuse("credit_code", e.message_zh());
    }
    let employees = c.count("employees");
    let female_staff = c.count("female_staff");
    let youth = c.count("youth");
    let opened = c.date("opened");
    if let Some(total) = employees {
        for (code, n) in [("female_staff", female_staff), ("youth", youth)] {
            if let Some(n) = n
                && n > total
            {
                let zh = SheetKind::Units.header(code);
                c.refuse(code, format!("{zh}（{n}）多于职工人数（{total}）"));
            }
        }
    }
    let unit = match (name, kind) {
        (Some(name), Some(kind)) => {
            let mut u = Unit::new(name, kind);
            u.credit_code = credit.map(str::to_string);
            u.employees = employees;
            u.female_staff = female_staff;
            u.youth = youth;
            u.opened = opened;
            Some(u)
        }
        _ => None,
    };
    c.finish(unit)
}

/// A 人员 row. Checked on entry: name present, gender, 政治面貌 and 职务
/// known, the birth year between 1900 and `this_year`.
pub fn person_row(row: &LedgerRow, this_year: i32) -> Result<PersonRow, Vec<RowError>> {
    let mut c = Cells::new(row, SheetKind::People);
    let name = c.required("name");
    let gender = c.enum_value("gender", Gender::ALL, Gender::as_str, Gender::label);
    let birth_year = c.year("birth_year", this_year);
    let stage = c.enum_value(
        "party_stage",
        PartyStage::ALL,
        PartyStage::as_str,
        PartyStage::label,
    );
    let roles = c.enum_list("roles", Role::ALL, Role::as_str, Role::label);
    let unit_name = c.text("unit").map(str::to_string);
    let person = name.map(|name| {
        let mut p = Person::new(name);
        p.gender = gender;
        p.birth_year = birth_year;
        if let Some(stage) = stage {
            p.party_stage = stage;
        }
        if let Some(roles) = &roles {
            p.roles = roles.clone();
        }
        PersonRow {
            person: p,
            unit_name,
            stage_given: stage.is_some(),
            roles_given: roles.is_some(),
        }
    });
    c.finish(person)
}

/// A 活动 row. Checked on entry: title, kind and date present and valid,
/// organizations known, counts whole, women not above participants.
pub fn activity_row(row: &LedgerRow) -> Result<ActivityRow, Vec<RowError>> {
    let mut c = Cells::new(row, SheetKind::Activities);
    let title = c.required("title");
    let kind = if c.required("kind").is_some() {
        c.enum_value(
            "kind",
            ActivityKind::ALL,
            ActivityKind::as_str,
            ActivityKind::label,
        )
    } else {
        None
    };
    let date = if c.required("date").is_some() {
        c.date("date")
    } else {
        None
    };
    let orgs = c.enum_list(
        "organizations",
        OrgKind::ALL,
        OrgKind::as_str,
        OrgKind::label,
    );
    let participants = c.count("participants");
    let women = c.count("women_participants");
    if let (Some(total), Some(w)) = (participants, women)
        && w > total
    {
        c.refuse(
            "women_participants",
            format!("女性参加人数（{w}）多于参加人数（{total}）"),
        );
    }
    let unit_names: Vec<String> = c
        .text("units")
        .map(|t| split_list(t).map(str::to_string).collect())
        .unwrap_or_default();
    let notes = c.text("notes");
    let activity = match (title, kind, date) {
        (Some(title), Some(kind), Some(date)) => {
            let mut a = Activity::new(kind, title, date);
            a.organizations = orgs.unwrap_or_default();
            a.participants = participants.unwrap_or(0);
            a.women_participants = women.unwrap_or(0);
            if let Some(notes) = notes {
                a.notes = autosurgeon::Text::with_value(notes);
            }
            Some(ActivityRow {
                activity: a,
                unit_names,
            })
        }
        _ => None,
    };
    c.finish(activity)
}

/// A 荣誉 row. Checked on entry: title, level and year present and valid,
/// and exactly one recipient (a unit or a person), as the schema asks.
pub fn honor_row(row: &LedgerRow, this_year: i32) -> Result<HonorRow, Vec<RowError>> {
    let mut c = Cells::new(row, SheetKind::Honors);
    let title = if c.required("title").is_some() {
        c.enum_value(
            "title",
            HonorTitle::ALL,
            HonorTitle::as_str,
            HonorTitle::label,
        )
    } else {
        None
    };
    let level = if c.required("level").is_some() {
        c.enum_value(
            "level",
            HonorLevel::ALL,
            HonorLevel::as_str,
            HonorLevel::label,
        )
    } else {
        None
    };
    let year = if c.required("year").is_some() {
        c.year("year", this_year)
    } else {
        None
    };
    let unit_name = c.text("recipient_unit").map(str::to_string);
    let person_name = c.text("recipient_person").map(str::to_string);
    match (&unit_name, &person_name) {
        (None, None) => c.refuse(
            "recipient_unit",
            "获奖单位和获奖人都没填：请填写其中一个".to_string(),
        ),
        (Some(_), Some(_)) => c.refuse(
            "recipient_person",
            "获奖单位和获奖人只能填一个：一项荣誉授予一个单位或一个人".to_string(),
        ),
        _ => {}
    }
    let honor = match (title, level, year) {
        (Some(title), Some(level), Some(year)) => Some(HonorRow {
            honor: Honor {
                title,
                level,
                year,
                recipient_unit: None,
                recipient_person: None,
                archived: false,
            },
            unit_name,
            person_name,
        }),
        _ => None,
    };
    c.finish(honor)
}

/// A 走访 row. Checked on entry: cadre, unit and date present, the date valid.
pub fn visit_row(row: &LedgerRow) -> Result<VisitRow, Vec<RowError>> {
    let mut c = Cells::new(row, SheetKind::Visits);
    let cadre = c.required("cadre");
    let unit = c.required("unit");
    let date = if c.required("date").is_some() {
        c.date("date")
    } else {
        None
    };
    let purpose = c.text("purpose").map(str::to_string);
    let notes = c.text("notes").map(str::to_string);
    let visit = match (cadre, unit, date) {
        (Some(cadre), Some(unit), Some(date)) => Some(VisitRow {
            visit: Visit {
                cadre: cadre.to_string(),
                unit: String::new(),
                date,
                purpose,
                notes,
                archived: false,
            },
            unit_name: unit.to_string(),
        }),
        _ => None,
    };
    c.finish(visit)
}

/// The current year, for birth years.
pub(crate) fn this_year() -> i32 {
    chrono::Local::now().date_naive().year()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 91330825MA2A0B1C2 with its check character.
    fn good_code() -> String {
        let first = "91330825MA2A0B1C2";
        let check = credit_code::check_character(first).unwrap();
        format!("{first}{check}")
    }

    fn unit(cells: &[(&str, &str)]) -> Result<Unit, Vec<RowError>> {
        unit_row(&LedgerRow::new("单位", 3, cells))
    }

    fn messages(errors: &[RowError]) -> Vec<String> {
        errors.iter().map(|e| e.to_string()).collect()
    }

    #[test]
    fn ledger_unit_row_accepts_codes_and_labels() {
        let code = good_code();
        let u = unit(&[
            ("name", "某某纸业"),
            ("kind", "非公企业"),
            ("credit_code", &code),
            ("employees", "20"),
            ("female_staff", "12"),
            ("opened", "2026-03-01"),
        ])
        .unwrap();
        assert_eq!(u.kind, UnitKind::Enterprise);
        assert_eq!(u.credit_code.as_deref(), Some(code.as_str()));
        assert_eq!(u.opened, Date::ymd(2026, 3, 1));
        let v = unit(&[
            ("name", "城关村"),
            ("kind", "village"),
            ("opened", "2026/3/1"),
        ])
        .unwrap();
        assert_eq!(v.kind, UnitKind::Village);
        assert_eq!(v.opened, Date::ymd(2026, 3, 1));
    }

    #[test]
    fn ledger_unit_row_refuses_missing_name_unknown_kind_bad_date() {
        let errors = unit(&[("kind", "村委会"), ("opened", "2026-02-30")]).unwrap_err();
        let m = messages(&errors);
        assert_eq!(m.len(), 3, "{m:?}");
        assert_eq!(m[0], "单位, 第 3 行, 单位名称: 单位名称不能为空");
        assert!(
            m[1].starts_with("单位, 第 3 行, 单位类型: 未知的单位类型“村委会”：可填 行政村、社区"),
            "{m:?}"
        );
        assert!(m[2].contains("成立日期: “2026-02-30”不是日期"), "{m:?}");
        let errors = unit(&[("name", "城关村")]).unwrap_err();
        assert_eq!(errors[0].column, "单位类型");
        assert_eq!(errors[0].message, "单位类型不能为空");
    }

    #[test]
    fn ledger_unit_row_refuses_a_wrong_check_character() {
        let mut code = good_code();
        let last = code.pop().unwrap();
        code.push(if last == '0' { '1' } else { '0' });
        let errors = unit(&[
            ("name", "某某纸业"),
            ("kind", "enterprise"),
            ("credit_code", &code),
        ])
        .unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].column, "统一社会信用代码");
        assert!(errors[0].message.contains("校验位"), "{errors:?}");
        let short = unit(&[
            ("name", "某某纸业"),
            ("kind", "enterprise"),
            ("credit_code", "9133"),
        ])
        .unwrap_err();
        assert!(short[0].message.contains("18 位"), "{short:?}");
    }

    #[test]
    fn ledger_unit_row_refuses_counts_above_employees_and_non_numbers() {
        let errors = unit(&[
            ("name", "某某纸业"),
            ("kind", "enterprise"),
            ("employees", "20"),
            ("female_staff", "35"),
            ("youth", "很多"),
        ])
        .unwrap_err();
        let m = messages(&errors);
        assert_eq!(m.len(), 2, "{m:?}");
        assert!(
            m.iter().any(|e| e.contains("28岁以下青年: “很多”不是人数")),
            "{m:?}"
        );
        assert!(
            m.iter()
                .any(|e| e.contains("女性固定职工: 女性固定职工（35）多于职工人数（20）")),
            "{m:?}"
        );
    }

    #[test]
    fn ledger_person_row_parses_and_refuses() {
        let p = person_row(
            &LedgerRow::new(
                "人员",
                2,
                &[
                    ("name", "李桂英"),
                    ("gender", "女"),
                    ("birth_year", "1990"),
                    ("unit", "城关村"),
                    ("party_stage", "member"),
                    ("roles", "妇联主席/妇女主任、村(社区)两委成员"),
                ],
            ),
            2026,
        )
        .unwrap();
        assert_eq!(p.person.gender, Some(Gender::Female));
        assert_eq!(p.person.birth_year, Some(1990));
        assert_eq!(p.person.party_stage, PartyStage::Member);
        assert_eq!(p.person.roles.len(), 2);
        assert_eq!(p.unit_name.as_deref(), Some("城关村"));
        assert!(p.stage_given && p.roles_given);

        let errors = person_row(
            &LedgerRow::new(
                "人员",
                4,
                &[
                    ("gender", "未知"),
                    ("birth_year", "3000"),
                    ("party_stage", "团员"),
                    ("roles", "主任"),
                ],
            ),
            2026,
        )
        .unwrap_err();
        let columns: Vec<&str> = errors.iter().map(|e| e.column.as_str()).collect();
        assert_eq!(columns, ["姓名", "性别", "出生年份", "政治面貌", "职务"]);
        assert!(errors[2].message.contains("1900 到 2026"));
    }

    #[test]
    fn ledger_activity_row_parses_and_refuses() {
        let a = activity_row(&LedgerRow::new(
            "活动",
            2,
            &[
                ("title", "三八节座谈会"),
                ("kind", "活动"),
                ("date", "2026-03-08"),
                ("organizations", "妇女组织,工会"),
                ("units", "城关村、某某纸业"),
                ("participants", "40"),
                ("women_participants", "35"),
            ],
        ))
        .unwrap();
        assert_eq!(a.activity.kind, ActivityKind::Event);
        assert_eq!(a.activity.organizations.len(), 2);
        assert_eq!(a.unit_names, ["城关村", "某某纸业"]);
        let errors = activity_row(&LedgerRow::new(
            "活动",
            3,
            &[
                ("title", "培训"),
                ("kind", "training"),
                ("participants", "10"),
                ("women_participants", "11"),
            ],
        ))
        .unwrap_err();
        let columns: Vec<&str> = errors.iter().map(|e| e.column.as_str()).collect();
        assert_eq!(columns, ["日期", "女性参加人数"]);
    }

    #[test]
    fn ledger_honor_row_parses_and_refuses() {
        let h = honor_row(
            &LedgerRow::new(
                "荣誉",
                2,
                &[
                    ("title", "巾帼文明岗"),
                    ("level", "city"),
                    ("year", "2025"),
                    ("recipient_unit", "城关村"),
                ],
            ),
            2026,
        )
        .unwrap();
        assert_eq!(h.honor.title, HonorTitle::WomensCivilizedPost);
        assert_eq!(h.honor.level, HonorLevel::City);
        assert_eq!(h.honor.year, 2025);
        assert_eq!(h.unit_name.as_deref(), Some("城关村"));

        let errors = honor_row(
            &LedgerRow::new("荣誉", 3, &[("title", "劳动模范"), ("year", "2030")]),
            2026,
        )
        .unwrap_err();
        let m = messages(&errors);
        assert_eq!(m.len(), 4, "{m:?}");
        assert!(m[0].contains("荣誉称号: 未知的荣誉称号“劳动模范”"), "{m:?}");
        assert!(m[1].contains("级别: 级别不能为空"), "{m:?}");
        assert!(m[2].contains("年度: “2030”不是年度"), "{m:?}");
        assert!(m[3].contains("获奖单位: 获奖单位和获奖人都没填"), "{m:?}");

        let both = honor_row(
            &LedgerRow::new(
                "荣誉",
                4,
                &[
                    ("title", "三八红旗手"),
                    ("level", "县级"),
                    ("year", "2026"),
                    ("recipient_unit", "城关村"),
                    ("recipient_person", "李桂英"),
                ],
            ),
            2026,
        )
        .unwrap_err();
        assert_eq!(both[0].column, "获奖人");
    }

    #[test]
    fn ledger_visit_row_parses_and_refuses() {
        let v = visit_row(&LedgerRow::new(
            "走访",
            2,
            &[
                ("cadre", "王丽"),
                ("unit", "某某纸业"),
                ("date", "2026/4/10"),
                ("purpose", "指导妇工委换届"),
            ],
        ))
        .unwrap();
        assert_eq!(v.visit.cadre, "王丽");
        assert_eq!(v.unit_name, "某某纸业");
        assert_eq!(v.visit.date, Date::ymd(2026, 4, 10).unwrap());
        assert_eq!(v.visit.purpose.as_deref(), Some("指导妇工委换届"));

        let errors = visit_row(&LedgerRow::new("走访", 3, &[("date", "四月")])).unwrap_err();
        let columns: Vec<&str> = errors.iter().map(|e| e.column.as_str()).collect();
        assert_eq!(columns, ["走访干部", "走访单位", "日期"]);
    }
}
