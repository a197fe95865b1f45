// 总览: the county's figures at a glance — the rates against their targets
// (missed ones red), 应建未建 by organization, this year's 推优 against the
// plan's quota, activities by month, the townships silent for more than a
// week — then every township (a click goes down to it) and the report
// tables. Everything comes from /api/overview and /api/reports/…; the
// cards and charts a township's page shares are drawn by `figures` here.

import { api, bindToolbar, daysAgo, esc, localTime, main, printHead, query, toolbar } from "./common.js";
import * as charts from "./charts.js";
import { listCard, reportCard } from "./table.js";

// The headline cards and the four charts of an overview body `o`;
// `where` names what they cover (the county or a township).
export function figures(o, onRate, onGap) {
  const f = o.nominations.groups.find((g) => g.key === "all");
  const quota = f.quota ? `计划 ${f.quota.min}–${f.quota.max} 人` : "本乡镇合计";
  const box = document.createElement("div");
  box.innerHTML = `<div class="cards">
      <div class="card" id="card-gaps" data-value="${o.gaps}"><div class="muted">应建未建</div>
        <div class="num ${o.gaps ? "bad" : "good"}">${o.gaps}</div><div class="sub">其中已逾期 <b id="card-overdue" data-value="${o.overdue}">${o.overdue}</b></div></div>
      <div class="card" id="card-rates" data-met="${o.rates_met}" data-missed="${o.rates_missed}"><div class="muted">组建率与配备率</div>
        <div class="num ${o.rates_missed ? "bad" : "good"}">${o.rates_missed}</div><div class="sub">项未达标 · ${o.rates_met} 项达标</div></div>
      <div class="card" id="card-nominations" data-value="${f.counts[0]}"><div class="muted">${o.year} 年推优</div>
        <div class="num ${f.quota && !f.quota.met ? "bad" : ""}">${f.counts[0]}</div><div class="sub">${esc(quota)}</div></div>
      <div class="card" id="card-activities" data-value="${o.activities_total}"><div class="muted">${o.year} 年活动</div>
        <div class="num">${o.activities_total}</div><div class="sub">次（截至 ${esc(o.as_of)}）</div></div>
      <div class="card" id="card-stale" data-value="${o.stale.length}"><div class="muted">超过 ${o.stale_days} 天未同步</div>
        <div class="num ${o.stale.length ? "bad" : "good"}">${o.stale.length}</div><div class="sub">个乡镇</div></div>
    </div>
    <div class="charts">
      <section class="panel"><h2>组建率与目标</h2><div class="chart" id="chart-rates"></div>
        <div class="note">竖线为县定目标；红色为未达标，灰色为无应建单位。</div></section>
      <section class="panel"><h2>应建未建（按组织）</h2><div class="chart" id="chart-gaps"></div></section>
      <section class="panel"><h2>${o.year} 年推优进度${f.quota ? "与计划" : ""}</h2><div class="chart" id="chart-funnel"></div>
        <div class="note">各步骤已记录的人数（群团组织合计）${f.quota ? "；虚线为五年规划的年度计划" : ""}。</div></section>
      <section class="panel"><h2>${o.year} 年活动（按月）</h2><div class="chart" id="chart-months"></div></section>
    </div>`;
  main.append(...box.children);
  charts.rates(document.getElementById("chart-rates"), o.rates, onRate);
  charts.gapsByOrg(document.getElementById("chart-gaps"), o.gaps_by_org, onGap);
  charts.funnel(document.getElementById("chart-funnel"), o.nominations.stages, f);
  charts.months(document.getElementById("chart-months"), o.activities);
}

// The townships, one line each, with a link down to each.
export function townshipsCard(o, q) {
  return listCard("townships-table", "各乡镇", [
    { key: "name", label: "乡镇", cell: (t) => [`<a href="#/township/${encodeURIComponent(t.code)}${q}">${esc(t.name)}</a>`, t.name, ""] },
    { key: "gaps", label: "应建未建", cell: (t) => [String(t.gaps), t.gaps, "num"] },
    { key: "overdue", label: "其中已逾期", cell: (t) => [String(t.overdue), t.overdue, t.overdue ? "num bad" : "num"] },
    { key: "rates_missed", label: "未达标指标", cell: (t) => [String(t.rates_missed), t.rates_missed, t.rates_missed ? "num bad" : "num"] },
    { key: "rates_met", label: "达标指标", cell: (t) => [String(t.rates_met), t.rates_met, "num"] },
    { key: "last_contact", label: "最近联系", cell: (t) => [esc(localTime(t.contact.last_contact)), t.contact.last_contact, ""] },
    { key: "days", label: "未联系", cell: (t) => [esc(daysAgo(t.contact.days_since_contact)), t.contact.days_since_contact, t.contact.stale ? "bad" : ""] },
    { key: "online", label: "当前在线设备", cell: (t) => [String(t.contact.connected_now), t.contact.connected_now, "num"] },
  ], o.townships.map((t) => ({ ...t, attrs: `data-code="${esc(t.code)}"` })));
}

export async function show(parts, params, ctx) {
  const q = query(params);
  const [o, coverage, gaps] = await Promise.all([
    api(`/api/overview${q}`),
    api(`/api/reports/coverage${q}`),
    api(`/api/reports/gaps${q}`),
  ]);
  main.innerHTML = `<h1>总览 <span class="muted small">${esc(ctx.county)} · 截至 ${esc(o.as_of)}</span></h1>${toolbar(params, { year: true })}`;
  bindToolbar();
  printHead(`${ctx.county} 党建带群建总览`, o.as_of);
  const toTownships = () => { location.hash = `#/township${q}`; };
  figures(o, toTownships, () => document.querySelector('[data-report="gaps"]')?.scrollIntoView());
  const stale = document.createElement("section");
  stale.className = "panel";
  stale.id = "stale";
  stale.innerHTML = `<h2>超过 ${o.stale_days} 天未同步的乡镇</h2>${o.stale.length
    ? `<ul class="stale-list">${o.stale.map((c) => `<li data-code="${esc(c.code)}"><a href="#/township/${encodeURIComponent(c.code)}${q}">${esc(c.name)}</a>
        <span class="bad">${c.last_contact ? `最近联系 ${esc(localTime(c.last_contact))}（${esc(daysAgo(c.days_since_contact))}）` : "从未同步"}</span></li>`).join("")}</ul>`
    : `<p class="notice ok">各乡镇 ${o.stale_days} 天内都有同步。</p>`}`;
  main.append(stale);
  const spacer = document.createElement("div");
  spacer.style.height = "12px";
  main.append(spacer, townshipsCard(o, q), reportCard(coverage, q), reportCard(gaps, q));
  main.dataset.page = "overview";
}
