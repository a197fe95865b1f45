// 单位: one unit of a township, as /api/townships/{code}/units/{id} gives
// it — its facts, each organization (formed or not) with every rule that
// requires it and whether it is met, and the records that name the unit.

import { api, esc, main, printHead, query } from "./common.js";
import { listCard } from "./table.js";

export async function show(parts, params, ctx) {
  const [code, id] = parts;
  const q = query(params);
  const u = await api(`/api/townships/${encodeURIComponent(code)}/units/${encodeURIComponent(id)}${q}`);
  const county = ctx.own ? "" : `<a href="#/overview${q}">${esc(ctx.county)}</a> › `;
  const orgs = u.orgs.map((o) => {
    const lacking = o.required_by.some((r) => !r.met);
    const rules = o.required_by.map((r) => `<div class="rule ${r.met ? "" : "bad"}">${r.met ? "✓" : "✗"} 应建${esc(r.label_zh)}：${esc(r.rule_zh)}${r.due ? `（期限 ${esc(r.due)}${r.overdue ? "，已逾期" : ""}）` : ""}</div>`).join("");
    const details = [o.form_zh, o.established && `成立于 ${o.established}`, o.leader && `负责人 ${o.leader}`].filter(Boolean).map(esc).join(" · ");
    return `<div class="org ${o.formed ? "formed" : lacking ? "lacking" : ""}" data-org="${esc(o.org)}">
      <b>${esc(o.label_zh)}</b> <span class="${o.formed ? "good" : lacking ? "bad" : "muted"}">${o.formed ? "已建" : "未建"}</span>
      ${details ? `<div class="muted small">${details}</div>` : ""}
      ${rules || `<div class="rule muted">规则不要求本单位建立</div>`}</div>`;
  }).join("");
  main.innerHTML = `<div class="crumbs">${county}<a href="#/township/${encodeURIComponent(code)}${q}">${esc(u.township.name)}</a> › ${esc(u.name)}</div>
    <h1>${esc(u.name)} <span class="muted small">${esc(u.kind_zh)}${u.archived ? " · 已归档" : ""} · 按 ${esc(u.as_of)} 的规则判断</span></h1>
    <div class="facts">${u.facts.filter(([, v]) => v).map(([k, v]) => `<span><span class="muted">${esc(k)}</span> ${esc(v)}</span>`).join("")}</div>
    ${u.missing.length ? `<p class="notice" id="unit-missing">应建未建：${u.missing.map(esc).join("、")}</p>` : `<p class="notice ok" id="unit-missing">没有应建未建的组织。</p>`}
    <h2>组织</h2><div class="orgs" id="unit-orgs">${orgs}</div><h2>记录</h2><div class="records" id="unit-records"></div>`;
  printHead(`${u.township.name} ${u.name}`, u.as_of);
  const records = document.getElementById("unit-records");
  for (const list of u.records) {
    const columns = list.columns.map((label, i) => ({ key: String(i), label, cell: (r) => [esc(r.cells[i]), r.cells[i], ""] }));
    records.append(listCard(`records-${list.key}`, `${list.title_zh}（${list.rows.length}）`, columns, list.rows));
  }
  main.dataset.page = "unit";
  main.dataset.unit = id;
}
