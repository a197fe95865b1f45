// Tables: a report (`/api/reports/{name}`) in a card with its CSV and Excel
// buttons, and any list of rows; every column sorts on a click (the
// 全县合计 rows stay last), and a wide table scrolls inside its card with
// its first column kept in view. Codes stay out of sight: the columns that
// only hold codes are in the exports, and the words show here.

import { download, esc, localTime, pct } from "./common.js";

// Columns that hold only codes: those the API marks `machine` (record ids,
// map and field names; 数据质量 gives their words in columns of their own),
// and the township's code beside its name. The exports keep them.
const HIDDEN = new Set(["township_code"]);
// Yes is the bad answer for these: 已逾期 是 is red and bold, 否 plain.
const BAD_WHEN_TRUE = new Set(["overdue", "stale"]);
// Yes is the good answer for these (达标, 达到计划).
const GOOD_WHEN_TRUE = new Set(["met", "quota_met"]);
const TIMES = new Set(["last_change_at", "device_last_seen", "projected_at", "last_contact"]);
const LONG_TEXT = new Set(["rule", "message", "read_error"]);

function isPercent(key) { return key === "rate" || key === "target_rate" || key.endsWith("_share"); }

// One report cell: [html, sort value, class].
function reportCell(key, v, row) {
  if (v === null || v === undefined || v === "") return ["", null, ""];
  if (typeof v === "boolean") {
    const cls = BAD_WHEN_TRUE.has(key) ? (v ? "bad" : "") : GOOD_WHEN_TRUE.has(key) ? (v ? "good" : "bad") : "";
    return [v ? "是" : "否", v ? 1 : 0, cls];
  }
  if (typeof v === "number") return [isPercent(key) ? pct(v) : String(v), v, "num"];
  if (TIMES.has(key)) return [esc(localTime(v)), v, ""];
  if (key === "township" && row.township_code) {
    return [`<a href="#/township/${encodeURIComponent(row.township_code)}">${esc(v)}</a>`, v, ""];
  }
  if (key === "unit" && row.unit_id && row.township_code) {
    return [`<a href="#/unit/${encodeURIComponent(row.township_code)}/${encodeURIComponent(row.unit_id)}">${esc(v)}</a>`, v, ""];
  }
  return [esc(v), v, LONG_TEXT.has(key) ? "wrap" : ""];
}

// A table of `columns` [{key, label}] and `rows` of cells [html, sort, class];
// rows with `total` set stay last.
function tableHtml(id, columns, rows) {
  const head = columns.map((c, i) => `<th class="sortable" data-col="${i}" data-key="${esc(c.key)}">${esc(c.label)}</th>`).join("");
  const body = rows.map((r) => `<tr class="${r.total ? "total" : ""}" ${r.attrs || ""}>${r.cells.map(([html, sort, cls]) =>
    `<td class="${cls}" data-v="${esc(sort ?? "")}" data-null="${sort == null ? 1 : 0}">${html}</td>`).join("")}</tr>`).join("");
  return `<div class="table-wrap"><table id="${esc(id)}"><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table></div>`;
}

// Sort a table by a header's column on each click, up then down.
export function makeSortable(table) {
  table.querySelector("thead").addEventListener("click", (ev) => {
    const th = ev.target.closest("th.sortable");
    if (!th) return;
    const col = Number(th.dataset.col);
    const up = !th.classList.contains("sorted-asc");
    for (const h of table.querySelectorAll("th")) h.classList.remove("sorted-asc", "sorted-desc");
    th.classList.add(up ? "sorted-asc" : "sorted-desc");
    const tbody = table.tBodies[0];
    const rows = [...tbody.rows];
    const totals = rows.filter((r) => r.classList.contains("total"));
    const rest = rows.filter((r) => !r.classList.contains("total"));
    const key = (r) => r.cells[col];
    rest.sort((a, b) => {
      const x = key(a), y = key(b);
      // Blanks last, whichever way.
      if (x.dataset.null !== y.dataset.null) return x.dataset.null === "1" ? 1 : -1;
      const nx = Number(x.dataset.v), ny = Number(y.dataset.v);
      const c = x.dataset.v !== "" && y.dataset.v !== "" && !Number.isNaN(nx) && !Number.isNaN(ny)
        ? nx - ny : x.dataset.v.localeCompare(y.dataset.v, "zh-CN");
      return up ? c : -c;
    });
    tbody.append(...rest, ...totals);
  });
}

// A list of rows as a sortable table in a card: `columns` are
// [{key, label, cell(row) → [html, sort, class]}].
export function listCard(id, title, columns, rows, note = "") {
  const cells = rows.map((r) => ({ cells: columns.map((c) => c.cell(r)), attrs: r.attrs }));
  const el = document.createElement("section");
  el.className = "table-card";
  el.innerHTML = `<div class="table-head"><h2>${esc(title)}</h2>${note ? `<span class="muted small">${esc(note)}</span>` : ""}</div>
    ${rows.length ? tableHtml(id, columns, cells) : `<div class="empty">没有数据</div>`}`;
  const table = el.querySelector("table");
  if (table) makeSortable(table);
  return el;
}

// A report (the JSON of /api/reports/{name}) as a card: its title, its
// CSV and Excel buttons (for the same filters), and its table.
export function reportCard(body, q) {
  const columns = body.columns.filter((c) => !c.machine && !HIDDEN.has(c.key)).map((c) => ({ key: c.key, label: c.header_zh }));
  const rows = body.rows.map((row) => ({
    total: row.township === "全县合计" || /合计$/.test(row.township ?? ""),
    cells: columns.map((c) => reportCell(c.key, row[c.key], row)),
  }));
  const el = document.createElement("section");
  el.className = "table-card report-card";
  el.dataset.report = body.name;
  el.innerHTML = `<div class="table-head"><h2>${esc(body.title_zh)}</h2><span class="muted small">共 ${body.rows.length} 行 · 点表头排序</span>
      <span class="downloads"><button type="button" data-file="${esc(body.name)}.csv">下载 CSV</button>
      <button type="button" data-file="${esc(body.name)}.xlsx">下载 Excel</button></span></div>
    ${rows.length ? tableHtml(`table-${body.name}`, columns, rows) : `<div class="empty">没有数据</div>`}`;
  for (const b of el.querySelectorAll("[data-file]")) {
    b.addEventListener("click", () => download(`/api/export/${b.dataset.file}${q}`));
  }
  const table = el.querySelector("table");
  if (table) makeSortable(table);
  return el;
}
