// 推优: a year's 推优 by step for each recommending organization and for
// the plan's groups, each against its quota (county-wide only), the
// under-35 and women shares against the plan's ranges, and the 推优 table
// (wide: it scrolls inside its card, the township column kept in view).

import { api, bindToolbar, esc, main, pct, printHead, query, toolbar } from "./common.js";
import * as charts from "./charts.js";
import { reportCard } from "./table.js";

export async function show(parts, params, ctx) {
  const f = await api(`/api/funnel${query(params)}`);
  // The table shows the funnel's year, as the charts do.
  const q = query(params, { year: String(f.year) });
  const table = await api(`/api/reports/nominations${q}`);
  const where = ctx.own ? ctx.ownName : ctx.county;
  main.innerHTML = `<h1>推优 <span class="muted small">${esc(where)} · ${f.year} 年</span></h1>${toolbar(params, { year: true })}
    <div class="charts three" id="funnels">${f.groups.map((g) => `<section class="panel" data-group="${esc(g.key)}">
      <h2>${esc(g.label_zh)} <span class="muted small">${g.counts[0]} 人${g.quota ? `，计划 ${g.quota.min}–${g.quota.max}` : ""}${g.quota && !g.quota.met ? ` <span class="bad">未达计划下限</span>` : ""}</span></h2>
      <div class="chart short" id="chart-funnel-${esc(g.key)}"></div></section>`).join("")}
      <section class="panel"><h2>结构占比</h2>
        <p>35 岁以下：计划 ${pct(f.under_35_range.min)}–${pct(f.under_35_range.max)}<br>女性：计划 ${pct(f.women_range.min)}–${pct(f.women_range.max)}</p>
        <p class="note">绿色带为计划范围；红色为超出范围，灰色为尚无推优。${ctx.own ? "" : "计划人数是全县的，只对全县合计划线。"}</p></section>
    </div>
    <div class="charts">
      <section class="panel"><h2>35 岁以下占比 <span class="muted small">计划 ${pct(f.under_35_range.min)}–${pct(f.under_35_range.max)}（绿色带）</span></h2><div class="chart short" id="chart-under35"></div></section>
      <section class="panel"><h2>女性占比 <span class="muted small">计划 ${pct(f.women_range.min)}–${pct(f.women_range.max)}（绿色带）</span></h2><div class="chart short" id="chart-women"></div></section>
    </div>`;
  bindToolbar();
  printHead(`${where} ${f.year} 年推优情况`, null);
  for (const g of f.groups) charts.funnel(document.getElementById(`chart-funnel-${g.key}`), f.stages, g);
  charts.shares(document.getElementById("chart-under35"), f.groups, "under_35", f.under_35_range, "35 岁以下占比");
  charts.shares(document.getElementById("chart-women"), f.groups, "women", f.women_range, "女性占比");
  main.append(reportCard(table, q));
  main.dataset.page = "nominations";
}
