//! The words and codes generated records are made of: Chinese names, place
//! and firm names, activity notes, dates and valid credit codes.

use anyhow::Context;
use qunjian_client::schema::{Date, UnitKind};

use crate::rng::Rng;

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "林", "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾", "肖",
    "田", "董", "潘", "袁", "蔡", "蒋", "余", "叶",
];
const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明",
    "超", "秀", "霞", "平", "刚", "桂", "英", "华", "建", "国", "红", "玲", "文", "辉", "鹏", "婷",
    "雪", "琳", "晨", "宇", "浩", "欣", "佳", "俊", "慧", "莉", "燕", "斌", "飞", "萍", "凤", "兰",
];
pub const PLACES: &[&str] = &[
    "城关", "东溪", "西岭", "南塘", "北山", "龙泉", "石门", "桃源", "清水", "凤凰", "青山", "白沙",
    "金桥", "柳湾", "梅岭", "竹林", "松岗", "杏花", "荷塘", "新民", "永安", "太平", "长乐", "和平",
    "红旗", "胜利", "光明", "建设", "团结", "幸福",
];
pub const FIRM_NAMES: &[&str] = &[
    "鑫达", "恒通", "华盛", "宏远", "天成", "瑞丰", "嘉禾", "永兴", "金源", "康泰", "盛隆", "海纳",
    "博远", "新锐", "立信", "德润", "中恒", "安泰", "东升", "佳和",
];
pub const TRADES: &[&str] = &[
    "机械制造",
    "纺织",
    "电子科技",
    "食品",
    "建材",
    "物流",
    "农业开发",
    "包装材料",
    "五金",
    "服饰",
    "茶业",
    "竹木制品",
    "塑料制品",
    "汽车配件",
    "化工",
    "医疗器械",
    "家具",
    "印务",
    "生物科技",
    "新能源",
];
pub const SOCIAL: &[&str] = &[
    "个体劳动者协会",
    "老年人协会",
    "志愿者协会",
    "慈善会",
    "商会",
    "养殖协会",
    "茶叶协会",
    "文化促进会",
];
pub const AGENCIES: &[&str] = &[
    "人民政府",
    "财政所",
    "司法所",
    "派出所",
    "市场监管所",
    "自然资源所",
    "综合执法队",
    "农业农村办",
    "社会事务办",
];
pub const INSTITUTIONS: &[&str] = &[
    "中心小学",
    "初级中学",
    "卫生院",
    "中心幼儿园",
    "文化站",
    "农技站",
    "便民服务中心",
    "水利站",
    "林业站",
];
pub const NOTES: &[&str] = &[
    "会议在村委会议室举行，参会人员积极发言。",
    "邀请县委党校讲师授课，学员反响良好。",
    "活动结束后组织参观红色教育基地。",
    "妇女之家组织开展，带动周边群众参与。",
    "联合工会、团委共同举办，覆盖园区企业职工。",
    "下雨改为室内进行，部分人员线上参加。",
    "已整理照片和签到表，材料存档备查。",
    "志愿者入户走访独居老人，登记困难需求。",
];

const CREDIT_CHARS: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

pub fn name(rng: &mut Rng) -> String {
    let mut s = SURNAMES[rng.below(SURNAMES.len())].to_string();
    for _ in 0..1 + rng.below(2) {
        s.push_str(GIVEN[rng.below(GIVEN.len())]);
    }
    s
}

pub fn date(y: i32, m: u32, d: u32) -> anyhow::Result<Date> {
    Date::ymd(y, m, d).with_context(|| format!("no such day {y}-{m}-{d}"))
}

pub fn random_date(rng: &mut Rng, from: i32, to: i32) -> anyhow::Result<Date> {
    let span = (to - from + 1) as usize;
    date(
        from + rng.below(span) as i32,
        1 + rng.below(12) as u32,
        1 + rng.below(28) as u32,
    )
}

/// A 统一社会信用代码 with a correct check character (GB 32100-2015).
pub fn credit_code(rng: &mut Rng, kind: UnitKind) -> String {
    const WEIGHTS: [usize; 17] = [
        1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
    ];
    let head = match kind {
        UnitKind::Enterprise | UnitKind::Park => "91",
        UnitKind::SocialOrg => "51",
        UnitKind::Agency => "11",
        UnitKind::Institution => "12",
        UnitKind::Village | UnitKind::Community => "54",
    };
    let mut code: Vec<u8> = head.bytes().collect();
    code.extend(b"330825");
    while code.len() < 17 {
        code.push(CREDIT_CHARS[rng.below(CREDIT_CHARS.len())]);
    }
    let sum: usize = code
        .iter()
        .zip(WEIGHTS)
        .map(|(c, w)| CREDIT_CHARS.iter().position(|x| x == c).unwrap_or(0) * w)
        .sum();
    let check = (31 - sum % 31) % 31;
    code.push(CREDIT_CHARS[check]);
    String::from_utf8_lossy(&code).into_owned()
}
