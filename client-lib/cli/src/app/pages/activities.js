// 活动: activities, trainings, study sessions, competitions and volunteer
// work — the list (newest first, units by name), adding one, and an
// activity's page to edit, archive or restore it.

import { esc, label, unitsById } from "./common.js";
import { choices, recordPages, unitLink } from "./records.js";

const spec = {
  kind: "activities",
  noun: "活动",
  load: async () => ({ units: await unitsById() }),
  fields: (ctx, v) => [
    { key: "title", label: "活动名称", type: "text", required: true },
    { key: "kind", label: "活动类型", type: "select", enum: "activity_kind", required: true },
    { key: "date", label: "活动日期", type: "date", required: true },
    { key: "participants", label: "参加人数", type: "number", required: true, blank: 0 },
    { key: "women_participants", label: "其中女性人数", type: "number", required: true, blank: 0 },
    { key: "organizations", label: "主办组织（可多选）", type: "set", enum: "org_kind" },
    { key: "units", label: "参加单位（可多选）", type: "set", options: choices(ctx.units, v.units) },
    { key: "notes", label: "备注", type: "textarea", blank: "" },
  ],
  columns: [
    { label: "活动名称", cell: (f) => esc(f.title) },
    { label: "日期", cell: (f) => esc(f.date) },
    { label: "类型", cell: (f, c) => esc(label(c.all, "activity_kind", f.kind)) },
    { label: "主办组织", cell: (f, c) => esc((f.organizations || []).map((o) => label(c.all, "org_kind", o)).join("、")) },
    { label: "参加单位", cell: (f, c) => (f.units || []).map((u) => unitLink(c.units, u)).join("、") },
    { label: "参加人数", cell: (f) => esc(f.participants) },
    { label: "其中女性", cell: (f) => esc(f.women_participants) },
  ],
  // Newest first: the last activities are the ones being filled in.
  sort: (a, b) => b.fields.date.localeCompare(a.fields.date),
  title: (f) => f.title || "（未填名称）",
  defaults: () => ({ kind: "event", participants: 0, women_participants: 0, organizations: [], units: [] }),
  intro: "活动名称、类型、日期必填；女性人数不能多于参加人数，日期不能晚于今天。",
};

export const show = recordPages(spec);
