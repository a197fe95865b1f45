// 荣誉: honors awarded to a unit or to a person — the list (newest year
// first, the recipient by name), adding one, and an honor's page to edit,
// archive or restore it. An honor goes to a unit or to a person, never
// both: choosing one clears the other.

import { esc, label, unitsById } from "./common.js";
import { choices, peopleById, recordPages, unitLink } from "./records.js";

function recipient(f, c) {
  if (f.recipient_unit) return `${unitLink(c.units, f.recipient_unit)} <span class="muted">（单位）</span>`;
  if (f.recipient_person) {
    const p = c.people[f.recipient_person];
    return `<a href="#/people/${esc(encodeURIComponent(f.recipient_person))}">${esc(p ? p.name : f.recipient_person)}</a> <span class="muted">（个人）</span>`;
  }
  return `<span class="muted">未填</span>`;
}

const spec = {
  kind: "honors",
  noun: "荣誉",
  load: async () => {
    const [units, people] = await Promise.all([unitsById(), peopleById()]);
    return { units, people };
  },
  fields: (ctx, v) => [
    { key: "title", label: "荣誉称号", type: "select", enum: "honor_title", required: true },
    { key: "level", label: "级别", type: "select", enum: "honor_level", required: true },
    { key: "year", label: "获得年度", type: "year", required: true },
    { key: "recipient_unit", label: "获奖单位（与获奖个人二选一）", type: "select", options: choices(ctx.units, v.recipient_unit) },
    { key: "recipient_person", label: "获奖个人（与获奖单位二选一）", type: "select", options: choices(ctx.people, v.recipient_person) },
  ],
  columns: [
    { label: "荣誉称号", cell: (f, c) => esc(label(c.all, "honor_title", f.title)) },
    { label: "级别", cell: (f, c) => esc(label(c.all, "honor_level", f.level)) },
    { label: "年度", cell: (f) => esc(f.year) },
    { label: "获得者", cell: recipient },
  ],
  sort: (a, b) => b.fields.year - a.fields.year,
  title: (f, c) => `${label(c.all, "honor_title", f.title)}（${f.year}）`,
  defaults: () => ({ title: "womens_civilized_post", level: "county", year: new Date().getFullYear() }),
  intro: "选择称号、级别和年度，再选获奖单位或获奖个人（只选一个）。年度不能晚于今年。",
  aside: (f, c) => `<p class="facts">获得者：${recipient(f, c)}</p>`,
  // A unit or a person: picking one empties the other.
  wire: (form) => {
    const unit = form.elements.recipient_unit;
    const person = form.elements.recipient_person;
    unit.addEventListener("change", () => { if (unit.value) person.value = ""; });
    person.addEventListener("change", () => { if (person.value) unit.value = ""; });
  },
};

export const show = recordPages(spec);
