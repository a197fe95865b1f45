// 走访: a cadre's guidance visits to units (挂钩联系、驻点指导) — the list
// (newest first, the unit by name), adding one, and a visit's page to
// edit, archive or restore it.

import { esc, unitsById } from "./common.js";
import { choices, peopleById, recordPages, unitLink } from "./records.js";

// The cadre is written as a name, or may be a person's id (from a ledger).
function cadre(f, c) {
  const p = c.people[f.cadre];
  return p ? p.name : f.cadre;
}

const spec = {
  kind: "visits",
  noun: "走访",
  load: async () => {
    const [units, people] = await Promise.all([unitsById(), peopleById()]);
    return { units, people };
  },
  fields: (ctx, v) => [
    { key: "cadre", label: "走访干部", type: "text", required: true },
    { key: "unit", label: "走访单位", type: "select", required: true, options: choices(ctx.units, v.unit) },
    { key: "date", label: "走访日期", type: "date", required: true },
    { key: "purpose", label: "走访目的", type: "text" },
    { key: "notes", label: "走访记录", type: "textarea" },
  ],
  columns: [
    { label: "走访日期", cell: (f) => esc(f.date) },
    { label: "走访干部", cell: (f, c) => esc(cadre(f, c)) },
    { label: "走访单位", cell: (f, c) => unitLink(c.units, f.unit) },
    { label: "目的", cell: (f) => esc(f.purpose) },
    { label: "记录", cell: (f) => `<span class="clip">${esc(f.notes)}</span>` },
  ],
  sort: (a, b) => b.fields.date.localeCompare(a.fields.date),
  title: (f, c) => `${cadre(f, c)} 走访 ${c.units[f.unit]?.name ?? f.unit}（${f.date}）`,
  defaults: () => ({}),
  intro: "走访干部、走访单位、走访日期必填；日期不能晚于今天。",
  aside: (f, c) => `<p class="facts">走访干部：${esc(cadre(f, c))}　走访单位：${unitLink(c.units, f.unit)}</p>`,
  // The people of the township offered as the cadre's name while typing.
  wire: (form, c) => {
    const input = form.elements.cadre;
    const list = document.createElement("datalist");
    list.id = `${form.id}-cadres`;
    list.innerHTML = Object.values(c.people).filter((p) => !p.archived).map((p) => `<option value="${esc(p.name)}">`).join("");
    form.append(list);
    input.setAttribute("list", list.id);
  },
};

export const show = recordPages(spec);
