//! Issue 5's report tests: the fixture county of `reports_fixture` (three
//! townships built through `qunjian-client` replicas, synced through a real
//! server) and every report compared with figures worked out by hand; the
//! filters, `as_of`, the CSV and Excel exports; and a document with foreign
//! malformed data that must not disturb the other townships.

mod common;
mod reports_fixture;

use std::collections::BTreeSet;
use std::io::Cursor;

use automerge::transaction::Transactable;
use automerge::{ROOT, ReadDoc};
use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
use reports_fixture::figures::*;
use reports_fixture::*;
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_report_matches_the_figures_worked_out_by_hand() {
    let county = county().await;
    let q = format!("as_of={AS_OF}");

    // --- coverage ---
    let body = county.report("coverage", &q).await;
    assert_eq!(body["as_of"], AS_OF);
    let rows = body["rows"].as_array().expect("rows").clone();
    assert_coverage(&coverage_of(&rows), COVERAGE_0630);
    let a50 = rows
        .iter()
        .find(|r| r["township_code"] == A && r["target_key"] == U50)
        .expect("A u50");
    assert_eq!(a50["rate"], json!(0.85));
    assert_eq!(a50["target_rate"], json!(0.85));
    assert_eq!(a50["township"], "城关镇");
    assert_eq!(rows.last().expect("rows")["township"], "全县合计");

    // --- as_of: M7's union was founded on 2026-03-01 ---
    let jan = coverage_of(&county.rows("coverage", "as_of=2026-01-31").await);
    // Without M7's union: 16 of 20 = 80 % < 85 %; of all 21, 16.
    assert_eq!(
        jan[&(A.into(), U50.into())],
        (20, 16, Some(0.8), Some(false))
    );
    assert_eq!(jan[&(A.into(), UALL.into())].1, 16);
    assert_eq!(
        jan[&(A.into(), U100.into())],
        (10, 9, Some(0.9), Some(true))
    );
    // On 2025-10-31 M7 (opened 2025-12-01) is not open yet: 19 required,
    // L1..L9 + M1..M6 + M8 = 16 formed.
    let oct = coverage_of(&county.rows("coverage", "as_of=2025-10-31").await);
    assert_eq!(oct[&(A.into(), U50.into())].0, 19);
    assert_eq!(oct[&(A.into(), U50.into())].1, 16);

    // --- gaps ---
    let rows = county.rows("gaps", &q).await;
    let want: BTreeSet<_> = [
        // X3 opened 2018-01-01: due 2019-01-01, overdue.
        gap(A, "城关X3公司", "工会", Some("2019-01-01"), true),
        // X1 opened 13 months before AS_OF: due 2026-05-30 < 2026-06-30, overdue.
        gap(A, "城关X1公司", "工会", Some("2026-05-30"), true),
        // X2 opened 11 months before: due 2026-07-30, not yet.
        gap(A, "城关X2公司", "工会", Some("2026-07-30"), false),
        gap(A, "城关二村", "妇女之家", None, false),
        // No opening date: no deadline.
        gap(B, "湖镇未建一公司", "工会", None, false),
        gap(B, "湖镇未建二公司", "工会", None, false),
        gap(C, "龙洲街道办事处", "妇委会", None, false),
    ]
    .into_iter()
    .collect();
    assert_eq!(gaps_of(&rows), want);
    assert_eq!(rows.len(), want.len(), "no pair twice");
    // Overdue first within each township.
    let a_overdue: Vec<bool> = rows
        .iter()
        .filter(|r| r["township_code"] == A)
        .map(|r| r["overdue"].as_bool().expect("bool"))
        .collect();
    assert_eq!(a_overdue, [true, true, false, false]);
    assert!(
        !rows.iter().any(|r| s(&r["unit"]) == "城关已关停公司"),
        "archived unit listed"
    );
    // On 2026-01-31, M7 (union from 2026-03-01, due 2026-12-01) is missing one, and X1 is not yet overdue.
    let jan = gaps_of(&county.rows("gaps", "as_of=2026-01-31").await);
    assert!(jan.contains(&gap(A, "城关M7公司", "工会", Some("2026-12-01"), false)));
    assert!(jan.contains(&gap(A, "城关X1公司", "工会", Some("2026-05-30"), false)));
    assert_eq!(jan.len(), want.len() + 1);

    // --- nominations ---
    let rows = county.rows("nominations", &q).await;
    let got: Vec<(String, i64, String, Vec<i64>)> = rows
        .iter()
        .map(|r| {
            (
                s(&r["township_code"]),
                r["year"].as_i64().expect("year"),
                s(&r["organization"]),
                tally(r),
            )
        })
        .collect();
    #[rustfmt::skip]
    let want: Vec<(String, i64, String, Vec<i64>)> = [
        // [total, assembly, inspection, approval, upper, recommended, decided, 发展对象, <35, women, out of order]
        // A league: 陈团书 (b. 2000, 26), direct: upper review and recommended.
        (A, 2026, "团组织", vec![1, 0, 0, 0, 1, 1, 0, 0, 1, 0, 0]),
        // A union: N1 every step (王丽 ♀ 1996, 30); N2 assembly only, its inspection
        // 2026-07-15 is after AS_OF (张强 ♂ 1980, 46); N3 assembly + approval
        // without inspection (赵敏 ♀ 1992, 34): out of order.
        (A, 2026, "工会", vec![3, 3, 1, 2, 1, 1, 1, 1, 2, 2, 1]),
        // B women: 刘芳 ♀ 1985 (41), assembly.
        (B, 2026, "妇女组织", vec![1, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0]),
        // C union 2025: 周平 ♂ 1995 (30 in 2025), assembly.
        (C, 2025, "工会", vec![1, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0]),
        ("", 2025, "工会", vec![1, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0]),
        ("", 2025, "妇女组织", vec![0; 11]),
        ("", 2025, "工会+团组织", vec![1, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0]),
        ("", 2025, "群团组织合计", vec![1, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0]),
        ("", 2026, "工会", vec![3, 3, 1, 2, 1, 1, 1, 1, 2, 2, 1]),
        ("", 2026, "团组织", vec![1, 0, 0, 0, 1, 1, 0, 0, 1, 0, 0]),
        ("", 2026, "妇女组织", vec![1, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0]),
        // union 3 + league 1 = 4
        ("", 2026, "工会+团组织", vec![4, 3, 1, 2, 2, 2, 1, 1, 3, 2, 1]),
        // + women 1 = 5
        ("", 2026, "群团组织合计", vec![5, 4, 1, 2, 2, 2, 1, 1, 3, 3, 1]),
    ]
    .into_iter()
    .map(|(c, y, o, t)| (c.to_string(), y, o.to_string(), t))
    .collect();
    assert_eq!(got, want);
    let a_union = &rows[1];
    assert_eq!(a_union["under_35_share"].as_f64(), Some(2.0 / 3.0));
    let quotas: Vec<(i64, i64, bool)> = rows
        .iter()
        .filter(|r| r["year"] == 2026 && r["quota_min"].is_i64())
        .map(|r| {
            (
                r["quota_min"].as_i64().unwrap_or(0),
                r["quota_max"].as_i64().unwrap_or(0),
                r["quota_met"] == true,
            )
        })
        .collect();
    // The plan's quotas (60–100 women's orgs, 200–300 union + league, 300–400 in all); 1, 4, 5 meet none.
    assert_eq!(
        quotas,
        [(60, 100, false), (200, 300, false), (300, 400, false)]
    );
    // A step dated after as_of is not counted; on 2026-08-31 N2's inspection is.
    let aug = county
        .rows(
            "nominations",
            &format!("as_of=2026-08-31&township={A}&organization=union"),
        )
        .await;
    assert_eq!(tally(&aug[0])[..3], [3, 3, 2]);
    let y2025 = county.rows("nominations", &format!("{q}&year=2025")).await;
    // C's union row, and the county's 工会, 妇女组织 (0 against its quota), 工会+团组织, 合计.
    assert!(
        y2025.iter().all(|r| r["year"] == 2025) && y2025.len() == 5,
        "{y2025:?}"
    );

    // Only the women's organization's 推优: B's row and the county's.
    let women = county
        .rows("nominations", &format!("{q}&organization=women"))
        .await;
    let got: Vec<(String, String, i64)> = women
        .iter()
        .map(|r| {
            (
                s(&r["township_code"]),
                s(&r["organization"]),
                r["nominated"].as_i64().unwrap_or(-1),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (B.into(), "妇女组织".into(), 1),
            (String::new(), "妇女组织".into(), 1)
        ]
    );
    // A party organization recommends no one.
    let party = county
        .rows("nominations", &format!("{q}&organization=party"))
        .await;
    assert!(party.is_empty(), "{party:?}");

    // --- activities (2026-07-10 is after AS_OF; the archived one is out) ---
    let rows = county.rows("activities", &q).await;
    let got: Vec<(String, String, String, [i64; 3])> = rows
        .iter()
        .map(|r| {
            let n = |k: &str| r[k].as_i64().expect("count");
            (
                s(&r["township_code"]),
                s(&r["organization"]),
                s(&r["month"]),
                [n("activities"), n("participants"), n("women_participants")],
            )
        })
        .collect();
    #[rustfmt::skip]
    let want: Vec<(String, String, String, [i64; 3])> = [
        (A, "团组织", "2026-04", [1, 20, 8]),
        // 三八节 (50, 40, joint with women) + training (30, 10).
        (A, "工会", "2026-03", [2, 80, 50]),
        (A, "妇女组织", "2026-03", [1, 50, 40]),
        (B, "妇女组织", "2026-03", [1, 25, 25]),
        ("", "团组织", "2026-04", [1, 20, 8]),
        ("", "工会", "2026-03", [2, 80, 50]),
        // 50 + 25 = 75 participants, 40 + 25 = 65 women.
        ("", "妇女组织", "2026-03", [2, 75, 65]),
    ]
    .into_iter()
    .map(|(c, o, m, n)| (c.to_string(), o.to_string(), m.to_string(), n))
    .collect();
    assert_eq!(got, want);
    assert_eq!(rows[1]["women_share"].as_f64(), Some(50.0 / 80.0));

    // --- honors (the archived third 巾帼文明岗 is out) ---
    let rows = county.rows("honors", &q).await;
    let got: BTreeSet<(String, String, String, i64, i64)> = rows
        .iter()
        .map(|r| {
            (
                s(&r["township_code"]),
                s(&r["title"]),
                s(&r["level"]),
                r["year"].as_i64().unwrap_or(0),
                r["count"].as_i64().unwrap_or(0),
            )
        })
        .collect();
    let honor =
        |c: &str, t: &str, l: &str, y, n| (c.to_string(), t.to_string(), l.to_string(), y, n);
    let want = BTreeSet::from([
        honor(A, "巾帼文明岗", "县级", 2026, 2),
        honor(B, "三八红旗手", "市级", 2025, 1),
        honor("", "巾帼文明岗", "县级", 2026, 2),
        honor("", "三八红旗手", "市级", 2025, 1),
    ]);
    assert_eq!((got, rows.len()), (want, 4));
    assert_eq!(
        county.rows("honors", &format!("{q}&year=2026")).await.len(),
        2
    );

    // --- visits: 2 a year to each 两新 妇工委 ---
    let rows = county.rows("visits", &q).await;
    let got: Vec<Value> = rows
        .iter()
        .map(|r| {
            json!([
                r["township_code"],
                r["unit"],
                r["year"],
                r["visits"],
                r["cadres"],
                r["required"],
                r["met"]
            ])
        })
        .collect();
    assert_eq!(
        got,
        [
            // M8: 03-10 and 05-20 (08-01 is after AS_OF) → 2 ≥ 2.
            json!([A, "城关M8公司", 2026, 2, "李主席、王执委", 2, true]),
            // The village visit.
            json!([A, "其他单位", 2026, 1, null, null, null]),
            json!([B, "湖镇妇工委公司", 2026, 1, "李主席", 2, false]),
            // 2 + 1 + 1 = 4 visits; 2 committees × 2 = 4 required; one short.
            json!([
                "",
                "两新妇工委 2 个，达到走访要求 1 个",
                2026,
                4,
                null,
                4,
                false
            ]),
        ]
    );

    // --- exec_links: 1–3 committees per executive, 2 visits a year each ---
    let rows = county.rows("exec_links", &q).await;
    let got: Vec<Value> = rows
        .iter()
        .map(|r| {
            json!([
                r["township_code"],
                r["executive"],
                r["links"],
                r["links_in_range"],
                r["unit"],
                r["visits"],
                r["required"],
                r["met"]
            ])
        })
        .collect();
    assert_eq!(
        got,
        [
            // 王执委 in A and B (" 王执委 " is her): 2 links, within 1–3.
            // M8: her 05-20 visit only → 1 of 2.
            json!([A, "王执委", 2, true, "城关M8公司", 1, 2, false]),
            // WC: 李主席's visit is not hers; 陈静's link has ended.
            json!([B, "王执委", 2, true, "湖镇妇工委公司", 0, 2, false]),
            json!([
                "",
                "执委 1 人，挂钩数符合 1 人",
                2,
                true,
                "挂钩 2 个，走访达标 0 个；无执委挂钩的两新妇工委 0 个",
                1,
                2,
                false
            ]),
        ]
    );
    // Asked for B, the rows are B's, and her count is still the county's;
    // the total is B's.
    let rows = county
        .rows("exec_links", &format!("{q}&township={B}"))
        .await;
    assert_eq!(
        rows.iter()
            .map(|r| json!([r["township_code"], r["links"]]))
            .collect::<Vec<_>>(),
        [json!([B, 2]), json!([B, 1])]
    );

    // --- quality ---
    let rows = county.rows("quality", &q).await;
    let got: BTreeSet<(String, String, String, String, String)> = rows
        .iter()
        .map(|r| {
            (
                s(&r["township_code"]),
                s(&r["problem"]),
                s(&r["map"]),
                s(&r["record_id"]),
                s(&r["field"]),
            )
        })
        .collect();
    let (a, b, c) = (county.town(A), county.town(B), county.town(C));
    let finding = |t: &str, p: &str, m: &str, id: &str, f: &str| {
        (
            t.to_string(),
            p.to_string(),
            m.to_string(),
            id.to_string(),
            f.to_string(),
        )
    };
    let want = BTreeSet::from([
        finding(
            B,
            "统一社会信用代码有误",
            "units",
            b.id("BAD"),
            "credit_code",
        ),
        finding(B, "信用代码重复", "units", b.id("DUP"), "credit_code"),
        finding(C, "信用代码重复", "units", c.id("DUP"), "credit_code"),
        finding(
            A,
            "推优步骤缺少前一步",
            "nominations",
            a.id("N3"),
            "steps.approval",
        ),
    ]);
    assert_eq!((&got, rows.len()), (&want, 4), "{rows:#?}");
    assert!(
        rows.iter()
            .any(|r| s(&r["message"]).contains("共有 2 个单位")),
        "{rows:#?}"
    );

    // --- sync: every township seen by its device, last change recorded ---
    common::eventually(WAIT, "the sync report shows every township", async || {
        let rows = county.rows("sync", "").await;
        assert_eq!(rows.len(), 3);
        let ok = rows.iter().all(|r| {
            r["devices_seen"].as_i64().unwrap_or(0) >= 1
                && r["last_change_at"].is_string()
                && r["projected_at"].is_string()
                && r["read_error"].is_null()
        });
        if ok { Ok(()) } else { Err(rows) }
    })
    .await;

    filters_refuse_and_restrict(&county).await;
    exports_read_back(&county).await;
    county.close().await;
}

async fn filters_refuse_and_restrict(county: &County) {
    let rows = county
        .rows("coverage", &format!("as_of={AS_OF}&township={A}"))
        .await;
    // A's 10 targets and no 全县合计: a total over A alone is not the county's.
    assert_eq!(rows.len(), 10);
    assert!(rows.iter().all(|r| r["township_code"] == A));
    let a50 = rows
        .iter()
        .find(|r| r["target_key"] == U50)
        .expect("A's union_formation_50");
    assert_eq!((&a50["required"], &a50["formed"]), (&json!(20), &json!(17)));
    let rows = county
        .rows("gaps", &format!("as_of={AS_OF}&organization=womens_home"))
        .await;
    assert_eq!(
        gaps_of(&rows),
        BTreeSet::from([gap(A, "城关二村", "妇女之家", None, false)])
    );

    let http = county.server.http();
    for (url, status, needle) in [
        (
            format!("{http}/api/reports/coverage?township=330825999"),
            404,
            "330825999",
        ),
        (format!("{http}/api/reports/gaps?year=abc"), 400, "year"),
        (
            format!("{http}/api/export/coverage.csv?year=abc"),
            400,
            "year",
        ),
        (format!("{http}/api/reports/nosuch"), 404, "coverage"),
    ] {
        let response = common::get_as(&url, &county.server.admin_token()).await;
        assert_eq!(response.status().as_u16(), status, "{url}");
        let body: Value = response.json().await.expect("JSON error body");
        assert!(s(&body["error"]).contains(needle), "{url}: {body}");
    }
}

async fn exports_read_back(county: &County) {
    let http = county.server.http();
    let csv = common::get_as(
        &format!("{http}/api/export/coverage.csv?as_of={AS_OF}"),
        &county.server.admin_token(),
    )
    .await;
    assert!(csv.status().is_success());
    let disposition = csv.headers()["content-disposition"]
        .to_str()
        .expect("ascii")
        .to_string();
    assert!(
        disposition.starts_with("attachment; filename=\"coverage-")
            && disposition.contains(".csv\"; filename*=UTF-8''"),
        "{disposition}"
    );
    let bytes = csv.bytes().await.expect("body");
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "no BOM");
    let text = std::str::from_utf8(&bytes[3..]).expect("utf-8");
    let lines: Vec<&str> = text.split("\r\n").collect();
    assert!(
        lines[0].starts_with("本县 组建率与配备率,")
            && lines[0].ends_with(&format!("截至: {AS_OF}")),
        "{}",
        lines[0]
    );
    // The machine id 指标代码 (target_key) is in the JSON only.
    assert_eq!(
        lines[1],
        "乡镇,乡镇代码,指标,应建数,已建数,组建率,目标,是否达标"
    );
    assert!(
        lines.contains(&"城关镇,330825101,职工 50 人以上企业工会组建率,20,17,85.0%,85.0%,是"),
        "{text}"
    );
    assert!(
        lines.contains(&"湖镇镇,330825102,职工 100 人以上企业工会组建率,0,0,,90.0%,"),
        "{text}"
    );

    let xlsx = common::get_as(
        &format!("{http}/api/export/coverage.xlsx?as_of={AS_OF}"),
        &county.server.admin_token(),
    )
    .await;
    assert!(xlsx.status().is_success());
    assert!(
        xlsx.headers()["content-disposition"]
            .to_str()
            .expect("ascii")
            .contains(".xlsx")
    );
    let bytes = xlsx.bytes().await.expect("body").to_vec();
    let mut book: Xlsx<_> =
        open_workbook_from_rs(Cursor::new(bytes)).expect("an xlsx calamine reads");
    let sheet = book.worksheet_range("组建率与配备率").expect("sheet");
    let cell = |r: u32, c: u32| sheet.get_value((r, c)).cloned().unwrap_or(Data::Empty);
    assert_eq!(cell(0, 0), Data::String("本县 组建率与配备率".into()));
    let headers: Vec<Data> = (0..8).map(|c| cell(2, c)).collect();
    let want: Vec<Data> = [
        "乡镇",
        "乡镇代码",
        "指标",
        "应建数",
        "已建数",
        "组建率",
        "目标",
        "是否达标",
    ]
    .into_iter()
    .map(|h| Data::String(h.into()))
    .collect();
    assert_eq!(headers, want);
    let u50 = Data::String("职工 50 人以上企业工会组建率".into());
    let row = (3..sheet.height() as u32)
        .find(|&r| cell(r, 1) == Data::String(A.into()) && cell(r, 2) == u50)
        .expect("A's union_formation_50 row");
    let num = |d: Data| match d {
        Data::Float(f) => f,
        Data::Int(i) => i as f64,
        other => panic!("not a number: {other:?}"),
    };
    assert_eq!((num(cell(row, 3)), num(cell(row, 4))), (20.0, 17.0));
    assert!((num(cell(row, 5)) - 0.85).abs() < 1e-12);
    assert_eq!(cell(row, 7), Data::String("是".into()));

    let all = common::get_as(
        &format!("{http}/api/export/all.xlsx?as_of={AS_OF}"),
        &county.server.admin_token(),
    )
    .await;
    let bytes = all.bytes().await.expect("body").to_vec();
    let book: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).expect("xlsx");
    assert_eq!(book.sheet_names().len(), 9, "{:?}", book.sheet_names());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn foreign_malformed_data_is_a_finding_and_other_townships_stay_right() {
    let county = county().await;
    let q = format!("as_of={AS_OF}");
    let before = coverage_of(&county.rows("coverage", &q).await);
    assert_coverage(&before, COVERAGE_0630);
    let others = |c: &Coverage| -> Coverage {
        c.iter()
            .filter(|((code, _), _)| code == A || code == C)
            .map(|(k, v)| (k.clone(), *v))
            .collect()
    };

    // Another app writes a number where U1's kind should be.
    let b = county.town(B);
    let u1 = b.id("U1").to_string();
    b.township
        .transact("foreign app", |tx| {
            let (_, units) = tx.get(ROOT, "units")?.expect("units map");
            let (_, unit) = tx.get(&units, u1.as_str())?.expect("U1");
            tx.put(&unit, "kind", 7_i64)?;
            Ok(())
        })
        .expect("raw write");
    settle_town(&county.server, &county.scratch.data_dir(), b).await;
    let quality = county.rows("quality", &format!("{q}&township={B}")).await;
    assert!(
        quality
            .iter()
            .any(|r| r["problem"] == "记录无法读取" && r["record_id"] == u1.as_str()),
        "{quality:#?}"
    );
    let after = coverage_of(&county.rows("coverage", &q).await);
    assert_eq!(others(&after), others(&before));
    // U1 is out of B's figures: 3 unions of 4 enterprises; the county 21 of 25.
    assert_eq!(
        after[&(B.into(), U50.into())],
        (4, 3, Some(0.75), Some(false))
    );
    assert_eq!(after[&(String::new(), U50.into())].0, 25);

    // Then `meta` itself: the whole document cannot be read.
    b.township
        .transact("foreign app", |tx| tx.put(ROOT, "meta", "not a map"))
        .expect("raw write");
    b.replica.wait_synced(&b.url, WAIT).await.expect("synced");
    let error = common::eventually(WAIT, "the read error is shown", async || {
        let sync = county.rows("sync", &format!("township={B}")).await;
        match sync[0]["read_error"].as_str() {
            Some(e) => Ok(e.to_string()),
            None => Err(sync),
        }
    })
    .await;
    assert!(error.contains("meta"), "{error}");
    let quality = county.rows("quality", &q).await;
    let unreadable: Vec<&Value> = quality
        .iter()
        .filter(|r| r["problem"] == "文档无法读取")
        .collect();
    assert_eq!(unreadable.len(), 1, "{quality:#?}");
    assert_eq!(unreadable[0]["township_code"], B);
    // B's last good figures stay; A's and C's are untouched.
    let broken = coverage_of(&county.rows("coverage", &q).await);
    assert_eq!(broken, after);
    let health: Value = common::get_json(&format!("{}/healthz", county.server.http())).await;
    assert_eq!(health["status"], "ok", "{health}");
    let sync = county.rows("sync", "").await;
    assert!(
        sync.iter()
            .filter(|r| r["township_code"] != B)
            .all(|r| r["read_error"].is_null())
    );
    county.close().await;
}
