//! The sheets and columns of a ledger: one list that the template writes
//! and the reader and row parsers read.

use qunjian_shared::schema::{
    ActivityKind, EnumValues, Gender, HonorLevel, HonorTitle, OrgKind, PartyStage, Role, UnitKind,
};

/// A kind of record a ledger sheet holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SheetKind {
    /// 单位.
    Units,
    /// 人员.
    People,
    /// 活动.
    Activities,
    /// 荣誉.
    Honors,
    /// 走访.
    Visits,
}

impl SheetKind {
    /// Every sheet, in the order they are written and imported (units and
    /// people first, so the sheets after them can name them).
    pub const ALL: &'static [SheetKind] = &[
        SheetKind::Units,
        SheetKind::People,
        SheetKind::Activities,
        SheetKind::Honors,
        SheetKind::Visits,
    ];

    /// The sheet's name in the workbook.
    pub fn sheet_name(self) -> &'static str {
        match self {
            SheetKind::Units => "单位",
            SheetKind::People => "人员",
            SheetKind::Activities => "活动",
            SheetKind::Honors => "荣誉",
            SheetKind::Visits => "走访",
        }
    }

    /// The sheet kind a workbook sheet name stands for (its Chinese name or
    /// the document's map name).
    pub fn from_sheet_name(name: &str) -> Option<SheetKind> {
        let name = name.trim();
        SheetKind::ALL.iter().copied().find(|k| {
            k.sheet_name() == name
                || match k {
                    SheetKind::Units => name.eq_ignore_ascii_case("units"),
                    SheetKind::People => name.eq_ignore_ascii_case("people"),
                    SheetKind::Activities => name.eq_ignore_ascii_case("activities"),
                    SheetKind::Honors => name.eq_ignore_ascii_case("honors"),
                    SheetKind::Visits => name.eq_ignore_ascii_case("visits"),
                }
        })
    }

    pub(crate) fn columns(self) -> &'static [Column] {
        match self {
            SheetKind::Units => UNIT_COLUMNS,
            SheetKind::People => PERSON_COLUMNS,
            SheetKind::Activities => ACTIVITY_COLUMNS,
            SheetKind::Honors => HONOR_COLUMNS,
            SheetKind::Visits => VISIT_COLUMNS,
        }
    }

    /// The Chinese header of the column with field code `code`.
    pub(crate) fn header(self, code: &str) -> &'static str {
        self.columns()
            .iter()
            .find(|c| c.code == code)
            .map(|c| c.zh)
            .unwrap_or("")
    }
}

/// What a column holds.
#[derive(Debug, Clone, Copy)]
pub(crate) enum ColumnType {
    Text,
    Count,
    Year,
    Date,
    /// One value of an enum.
    Enum(fn() -> Vec<(&'static str, &'static str)>),
    /// Several values of an enum, separated by 、 or commas.
    EnumList(fn() -> Vec<(&'static str, &'static str)>),
}

/// One column of a sheet.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Column {
    /// The field's code (as in docs/SCHEMA.md).
    pub code: &'static str,
    /// Its Chinese header.
    pub zh: &'static str,
    pub required: bool,
    pub kind: ColumnType,
    /// The example row's value.
    pub example: &'static str,
}

const fn col(
    code: &'static str,
    zh: &'static str,
    required: bool,
    kind: ColumnType,
    example: &'static str,
) -> Column {
    Column {
        code,
        zh,
        required,
        kind,
        example,
    }
}

const UNIT_COLUMNS: &[Column] = &[
    col("name", "单位名称", true, ColumnType::Text, "示例：城关村"),
    col(
        "kind",
        "单位类型",
        true,
        ColumnType::Enum(UnitKind::values),
        "行政村",
    ),
    col(
        "credit_code",
        "统一社会信用代码",
        false,
        ColumnType::Text,
        "91330825MA2A0B1C2M",
    ),
    col("employees", "职工人数", false, ColumnType::Count, "120"),
    col(
        "female_staff",
        "女性固定职工",
        false,
        ColumnType::Count,
        "45",
    ),
    col("youth", "28岁以下青年", false, ColumnType::Count, "30"),
    col("opened", "成立日期", false, ColumnType::Date, "2026-03-01"),
];

const PERSON_COLUMNS: &[Column] = &[
    col("name", "姓名", true, ColumnType::Text, "示例：李桂英"),
    col(
        "gender",
        "性别",
        false,
        ColumnType::Enum(Gender::values),
        "女",
    ),
    col("birth_year", "出生年份", false, ColumnType::Year, "1990"),
    col("unit", "所属单位", false, ColumnType::Text, "示例：城关村"),
    col(
        "party_stage",
        "政治面貌",
        false,
        ColumnType::Enum(PartyStage::values),
        "正式党员",
    ),
    col(
        "roles",
        "职务",
        false,
        ColumnType::EnumList(Role::values),
        "妇联主席/妇女主任",
    ),
];

const ACTIVITY_COLUMNS: &[Column] = &[
    col(
        "title",
        "活动名称",
        true,
        ColumnType::Text,
        "示例：三八节座谈会",
    ),
    col(
        "kind",
        "活动类型",
        true,
        ColumnType::Enum(ActivityKind::values),
        "活动",
    ),
    col("date", "日期", true, ColumnType::Date, "2026-03-08"),
    col(
        "organizations",
        "组织",
        false,
        ColumnType::EnumList(OrgKind::values),
        "妇女组织",
    ),
    col("units", "参与单位", false, ColumnType::Text, "示例：城关村"),
    col("participants", "参加人数", false, ColumnType::Count, "40"),
    col(
        "women_participants",
        "女性参加人数",
        false,
        ColumnType::Count,
        "35",
    ),
    col("notes", "备注", false, ColumnType::Text, ""),
];

const HONOR_COLUMNS: &[Column] = &[
    col(
        "title",
        "荣誉称号",
        true,
        ColumnType::Enum(HonorTitle::values),
        "巾帼文明岗",
    ),
    col(
        "level",
        "级别",
        true,
        ColumnType::Enum(HonorLevel::values),
        "县级",
    ),
    col("year", "年度", true, ColumnType::Year, "2026"),
    col(
        "recipient_unit",
        "获奖单位",
        false,
        ColumnType::Text,
        "示例：城关村",
    ),
    col("recipient_person", "获奖人", false, ColumnType::Text, ""),
];

const VISIT_COLUMNS: &[Column] = &[
    col("cadre", "走访干部", true, ColumnType::Text, "示例：王丽"),
    col("unit", "走访单位", true, ColumnType::Text, "城关村"),
    col("date", "日期", true, ColumnType::Date, "2026-04-10"),
    col("purpose", "事由", false, ColumnType::Text, "指导妇工委换届"),
    col("notes", "备注", false, ColumnType::Text, ""),
];

/// Whether a row's first cell marks it as the template's example.
pub(crate) fn is_example(name: &str) -> bool {
    name.trim_start().starts_with("示例")
}
