// 报表: every report as tables, with every filter (township, year,
// organization, date) and their CSV and Excel downloads, the whole
// workbook too. The filters live in the address (`#/reports/gaps?year=…`).

import { api, download, esc, main, printHead, query } from "./common.js";
import { reportCard } from "./table.js";

const REPORTS = [
  ["coverage", "组建率与配备率"], ["gaps", "应建未建"], ["nominations", "推优入党"],
  ["activities", "活动开展"], ["honors", "荣誉表彰"], ["visits", "联系走访"],
  ["exec_links", "执委挂钩"], ["quality", "数据质量"], ["sync", "同步情况"],
];
const ORGS = [["", "全部"], ["union", "工会"], ["league", "团组织"], ["women", "妇女组织"], ["womens_home", "妇女之家"], ["party", "党组织"]];

let townshipsOnce;

export async function show(parts, params, ctx) {
  const name = REPORTS.some(([n]) => n === parts[0]) ? parts[0] : "coverage";
  townshipsOnce ??= api("/api/townships");
  const q = query(params);
  const [townships, body] = await Promise.all([townshipsOnce, api(`/api/reports/${name}${q}`)]);
  const option = (value, label, chosen) => `<option value="${esc(value)}" ${value === (chosen || "") ? "selected" : ""}>${esc(label)}</option>`;
  main.innerHTML = `<h1>报表 <span class="muted small">${esc(ctx.own ? ctx.ownName : ctx.county)} · 截至 ${esc(body.as_of)}</span></h1>
    <div class="toolbar" id="report-tabs">${REPORTS.map(([n, label]) =>
      `<a href="#/reports/${n}${q}"><button type="button" class="${n === name ? "primary" : ""}">${esc(label)}</button></a>`).join("")}</div>
    <form class="toolbar" id="filters">
      <label>乡镇<select name="township">${ctx.own ? "" : option("", "全县", params.township)}${townships.map((t) => option(t.code, t.name, params.township)).join("")}</select></label>
      <label>年度<input name="year" type="number" min="1900" max="2999" placeholder="全部" value="${esc(params.year || "")}" style="width:90px"></label>
      <label>组织<select name="organization">${ORGS.map(([v, l]) => option(v, l, params.organization)).join("")}</select></label>
      <label>截至日期<input name="as_of" type="date" value="${esc(params.as_of || "")}"></label>
      <button type="submit">查询</button>
      <button type="button" id="all-xlsx">全部报表 Excel</button>
    </form>`;
  const form = document.getElementById("filters");
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const p = {};
    for (const [k, v] of new FormData(form)) if (v) p[k] = v;
    location.hash = `#/reports/${name}${query(p)}`;
  });
  document.getElementById("all-xlsx").addEventListener("click", () => download(`/api/export/all.xlsx${q}`));
  printHead(body.title_zh, body.as_of);
  main.append(reportCard(body, q));
  main.dataset.page = "reports";
  main.dataset.report = name;
}
