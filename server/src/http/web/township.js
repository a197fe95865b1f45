// 乡镇: every township with its 应建未建 (a click goes down to one), and a
// township's own page — its figures and charts as 总览 draws the county's,
// its units with what each lacks (a click goes down to the unit), and its
// report tables. A township token sees its own township only.

import { api, bindToolbar, esc, main, printHead, query, toolbar } from "./common.js";
import * as charts from "./charts.js";
import { figures, townshipsCard } from "./overview.js";
import { listCard, reportCard } from "./table.js";

export async function show(parts, params, ctx) {
  if (parts[0]) return townshipPage(parts[0], params, ctx);
  return listPage(params, ctx);
}

async function listPage(params, ctx) {
  const q = query(params);
  const o = await api(`/api/overview${q}`);
  main.innerHTML = `<h1>乡镇 <span class="muted small">${esc(ctx.county)} · ${o.townships.length} 个乡镇 · 截至 ${esc(o.as_of)}</span></h1>
    ${toolbar(params)}
    <section class="panel"><h2>各乡镇应建未建</h2><div class="chart short" id="chart-townships"></div>
      <div class="note">点击乡镇查看详情。</div></section><div style="height:12px"></div>`;
  bindToolbar();
  printHead(`${ctx.county} 各乡镇情况`, o.as_of);
  charts.townshipGaps(document.getElementById("chart-townships"), o.townships, (p) => {
    location.hash = `#/township/${encodeURIComponent(o.townships[p.dataIndex].code)}${q}`;
  });
  main.append(townshipsCard(o, q));
  main.dataset.page = "townships";
}

async function townshipPage(code, params, ctx) {
  const q = query(params);
  const scoped = query(params, { township: code });
  const enc = encodeURIComponent(code);
  const [o, units, gaps, coverage] = await Promise.all([
    api(`/api/overview${scoped}`),
    api(`/api/townships/${enc}/units${q}`),
    api(`/api/reports/gaps${scoped}`),
    api(`/api/reports/coverage${scoped}`),
  ]);
  const name = o.township?.name ?? code;
  const crumbs = ctx.own ? "" : `<div class="crumbs no-print"><a href="#/overview${q}">${esc(ctx.county)}</a> › <a href="#/township${q}">乡镇</a> › ${esc(name)}</div>`;
  main.innerHTML = `${crumbs}<h1>${esc(name)} <span class="muted small">乡镇代码 ${esc(code)} · 截至 ${esc(o.as_of)}</span></h1>${toolbar(params, { year: true })}`;
  bindToolbar();
  printHead(`${ctx.county} ${name} 党建带群建情况`, o.as_of);
  const toUnits = () => document.getElementById("units-table")?.scrollIntoView();
  figures(o, toUnits, toUnits);
  const unitCell = (u) => [`<a href="#/unit/${enc}/${encodeURIComponent(u.id)}${q}">${esc(u.name)}</a>`, u.name, ""];
  const card = listCard("units-table", `单位（${units.units.length} 个）`, [
    { key: "name", label: "单位", cell: unitCell },
    { key: "kind", label: "类型", cell: (u) => [esc(u.kind_zh), u.kind_zh, ""] },
    { key: "employees", label: "职工人数", cell: (u) => [u.employees ?? "", u.employees, "num"] },
    { key: "orgs", label: "已建组织", cell: (u) => [u.orgs.map((g) => `<span class="chip ${g.formed ? "formed" : ""}">${esc(g.label_zh)}</span>`).join(""), u.orgs.filter((g) => g.formed).length, ""] },
    { key: "missing", label: "应建未建", cell: (u) => [u.missing.map((m) => `<span class="chip missing">${esc(m)}</span>`).join("") || "—", u.missing.length, ""] },
    { key: "overdue", label: "已逾期", cell: (u) => [u.overdue ? `${u.overdue} 项` : "", u.overdue, u.overdue ? "bad" : ""] },
  ], units.units.map((u) => ({ ...u, attrs: `data-unit="${esc(u.id)}"` })), "点单位名称查看其组织、规则要求和记录");
  main.append(card, reportCard(gaps, scoped), reportCard(coverage, scoped));
  main.dataset.page = "township";
  main.dataset.township = code;
}
