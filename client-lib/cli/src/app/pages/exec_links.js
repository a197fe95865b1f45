// 执委挂钩: county women's executives linked to the township's 两新
// women's committees — the list with this year's visits to each and the
// committees no executive is linked to, adding a link, and a link's page
// to edit, end, archive or restore it. Visits are recorded on 走访 under
// the executive's name; they count for her link to that unit.

import { api, esc, unitsById } from "./common.js";
import { choices, recordPages, unitLink } from "./records.js";

// Enterprises and social organizations: the only units a link can be to.
const LIANGXIN = new Set(["enterprise", "social_org"]);

const spec = {
  kind: "exec_links",
  noun: "执委挂钩",
  load: async () => {
    const [units, summary] = await Promise.all([unitsById(), api("GET", "/api/exec_links_summary")]);
    return { units, summary };
  },
  fields: (ctx, v) => {
    const liangxin = Object.fromEntries(Object.entries(ctx.units).filter(([, u]) => LIANGXIN.has(u.kind)));
    return [
      { key: "executive", label: "县妇联执委", type: "text", required: true },
      { key: "unit", label: "挂钩单位（两新组织）", type: "select", required: true, options: choices(liangxin, v.unit) },
      { key: "since", label: "挂钩日期", type: "date", required: true },
      { key: "until", label: "结束日期（仍在挂钩则不填）", type: "date" },
      { key: "notes", label: "备注", type: "textarea" },
    ];
  },
  columns: [
    { label: "县妇联执委", cell: (f) => esc(f.executive) },
    { label: "挂钩单位", cell: (f, c) => unitLink(c.units, f.unit) },
    { label: "挂钩日期", cell: (f) => esc(f.since) },
    { label: "结束日期", cell: (f) => esc(f.until ?? "") },
    { label: "本年走访", cell: (f, c) => visitsCell(f, c) },
  ],
  sort: (a, b) => a.fields.executive.localeCompare(b.fields.executive, "zh"),
  title: (f, c) => `${f.executive} 挂钩 ${c.units[f.unit]?.name ?? f.unit}`,
  defaults: () => ({}),
  intro: "县妇联执委每人挂钩 1–3 个两新组织妇女工作委员会，每年到每个挂钩组织指导至少 2 次（次数以县里的规则为准）。执委姓名在各乡镇要写法一致；走访在「走访」页以执委姓名记录，自动计入挂钩。",
  listAside: (c) => summaryHtml(c),
  // The executives the county lists, offered while typing her name.
  wire: (form, c) => {
    const input = form.elements.executive;
    const list = document.createElement("datalist");
    list.id = `${form.id}-executives`;
    const names = new Set([...(c.summary.listed ?? []), ...c.summary.links.map((l) => l.executive)]);
    list.innerHTML = [...names].map((n) => `<option value="${esc(n)}">`).join("");
    form.append(list);
    input.setAttribute("list", list.id);
  },
};

// This year's visits under a link in force, against the rule.
function visitsCell(f, c) {
  const l = c.summary.links.find((x) => x.executive === f.executive.trim() && x.unit === f.unit && x.since === f.since);
  if (!l) return `<span class="muted">—</span>`;
  const need = c.summary.visits_per_year;
  return l.met ? `${l.visits} / ${need} 次` : `<strong class="short">${l.visits} / ${need} 次</strong>`;
}

function summaryHtml(c) {
  const s = c.summary;
  const short = s.links.filter((l) => !l.met);
  const unlinked = s.unlinked.map((u) => unitLink(c.units, u.unit)).join("、");
  return `<div class="facts" id="links-summary">
    <p>截至 ${esc(s.as_of)}：挂钩 ${s.links.length} 个，本年走访已达 ${s.visits_per_year} 次的 ${s.links.length - short.length} 个${short.length ? `，<strong class="short">未达到的 ${short.length} 个</strong>` : ""}。</p>
    <p>${s.unlinked.length ? `<strong class="short">没有执委挂钩的两新妇工委 ${s.unlinked.length} 个：</strong>${unlinked}` : "每个两新妇工委都有执委挂钩。"}</p>
    ${s.listed?.length ? `<p class="muted">县里的执委名单：${s.listed.map(esc).join("、")}</p>` : ""}
  </div>`;
}

export const show = recordPages(spec);
