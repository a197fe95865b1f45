// 概览: the township's 应建未建 (overdue first), its rates against the
// county's targets and this year's 推优 by step, as /api/overview gives them.

import { api, esc, localTime, main, pct } from "./common.js";

export async function show() {
  const o = await api("GET", "/api/overview");
  const gaps = o.gaps.map((g) => `<tr data-unit="${esc(g.unit_id)}">
      <td><a href="#/units/${esc(g.unit_id)}">${esc(g.unit)}</a></td><td>${esc(g.unit_kind)}</td>
      <td>${esc(g.missing_label)}</td><td>${esc(g.due || "—")}</td>
      <td class="${g.overdue ? "overdue" : ""}">${g.overdue ? "已逾期" : ""}</td><td class="muted">${esc(g.rule)}</td></tr>`).join("");
  const rates = o.coverage.map((r) => `<tr><td>${esc(r.label_zh)}</td><td>${r.formed} / ${r.required}</td>
      <td><span class="bar ${r.met === false ? "short" : ""}"><i style="width:${(r.rate || 0) * 100}%"></i></span> ${pct(r.rate)}</td>
      <td>${pct(r.target_rate)}</td><td class="${r.met === false ? "no" : "yes"}">${r.met == null ? "—" : r.met ? "达标" : "未达标"}</td></tr>`).join("");
  // This year's 推优 by the furthest step each has reached.
  const nom = o.nominations;
  const nomRows = nom.rows.map((r) => `<tr data-org="${esc(r.org ?? "all")}" class="${r.org ? "" : "total"}"><td>${esc(r.label)}</td>
      ${r.counts.map((c) => `<td class="${c ? "" : "muted"}">${c}</td>`).join("")}<td><b>${r.total}</b></td></tr>`).join("");
  const rules = o.rules.source === "county" ? `县里规则（${localTime(o.rules.fetched_at)} 获取）` : "内置默认规则（尚未从县里获取）";
  main.innerHTML = `<h1>概览 <span class="muted small">截至 ${esc(o.as_of)} · ${rules}</span></h1>
    <div class="cards"><div class="card"><div class="muted">应建未建</div><div class="num" id="gaps-count">${o.gaps.length}</div></div>
    <div class="card"><div class="muted">其中已逾期</div><div class="num">${o.overdue}</div></div></div>
    <h2>应建未建</h2>
    ${o.gaps.length ? `<table id="gaps-table"><tr><th>单位</th><th>类型</th><th>应建组织</th><th>应建期限</th><th>逾期</th><th>依据</th></tr>${gaps}</table>`
      : `<p class="notice ok" id="gaps-none">没有应建未建的组织。</p>`}
    <h2>组建率与配备率</h2>
    <table id="rates-table"><tr><th>指标</th><th>已建 / 应建</th><th>比率</th><th>县里目标</th><th>是否达标</th></tr>${rates}</table>
    <h2>${nom.year} 年推优进度 <a class="small" href="#/nominations">查看推优</a></h2>
    <p class="muted small">按每条推优已记录到的最后一步计数。</p>
    <table id="nominations-overview"><tr><th>推荐组织</th>${nom.columns.map((c) => `<th>${esc(c.label)}</th>`).join("")}<th>合计</th></tr>${nomRows}</table>`;
  main.dataset.page = "overview";
}
