// 人员: the township's members and cadres — the list (by name, with each
// person's unit linking to the unit's page), adding a person, and a
// person's page to edit, archive or restore them.

import { esc, label, unitsById } from "./common.js";
import { choices, recordPages, unitLink } from "./records.js";

const spec = {
  kind: "people",
  noun: "人员",
  load: async () => ({ units: await unitsById() }),
  fields: (ctx, v) => [
    { key: "name", label: "姓名", type: "text", required: true },
    { key: "gender", label: "性别", type: "select", enum: "gender" },
    { key: "birth_year", label: "出生年份", type: "year" },
    { key: "unit", label: "所在单位", type: "select", options: choices(ctx.units, v.unit) },
    { key: "party_stage", label: "政治面貌", type: "select", enum: "party_stage", required: true },
    { key: "roles", label: "职务（可多选）", type: "set", enum: "role" },
  ],
  columns: [
    { label: "姓名", cell: (f) => esc(f.name) },
    { label: "性别", cell: (f, c) => esc(label(c.all, "gender", f.gender)) },
    { label: "出生年份", cell: (f) => esc(f.birth_year) },
    { label: "所在单位", cell: (f, c) => unitLink(c.units, f.unit) },
    { label: "政治面貌", cell: (f, c) => esc(label(c.all, "party_stage", f.party_stage)) },
    { label: "职务", cell: (f, c) => esc((f.roles || []).map((r) => label(c.all, "role", r)).join("、")) },
  ],
  sort: (a, b) => a.fields.name.localeCompare(b.fields.name, "zh-CN"),
  title: (f) => f.name || "（未填姓名）",
  defaults: () => ({ party_stage: "masses", roles: [] }),
  intro: "姓名必填，其余可以以后补充。出生年份用于统计 28 岁以下青年。",
  aside: (f, c) => `<p class="facts">所在单位：${f.unit ? unitLink(c.units, f.unit) : `<span class="muted">未填</span>`}</p>`,
};

export const show = recordPages(spec);
