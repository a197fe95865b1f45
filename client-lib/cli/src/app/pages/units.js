// 单位: the list (search, filter by kind and by missing organization), a
// unit's page (each organization formed or missing with what the rules
// require and why, its details, the unit's fields, archive/restore), and
// the form to add one.

import { api, armedButton, edited, enums, esc, formHtml, main, onSubmit, showProblems, unitsById } from "./common.js";

// An organization's kind (OrgKind) and the unit field that holds it.
const ORG_FIELD = { party: "party_org", union: "union", league: "league", women: "women_org", womens_home: "womens_home" };

const UNIT_FIELDS = [
  { key: "name", label: "单位名称", type: "text", required: true },
  { key: "kind", label: "单位类型", type: "select", enum: "unit_kind", required: true },
  { key: "parent", label: "所在园区", type: "select" },
  { key: "credit_code", label: "统一社会信用代码", type: "text" },
  { key: "employees", label: "职工人数", type: "number" },
  { key: "female_staff", label: "女性固定职工", type: "number" },
  { key: "youth", label: "28 岁以下青年", type: "number" },
  { key: "opened", label: "成立/开业日期", type: "date" },
];

// Each organization's own fields, keyed as the document nests them.
const ORG_DETAILS = {
  party_org: [["formed", "是否已建", "formed"], ["form", "党组织形式", "select", "party_org_form"],
    ["rating", "年度定级", "select", "party_rating"], ["established", "成立日期", "date"]],
  union: [["formed", "是否已建", "formed"], ["established", "成立日期", "date"], ["independent", "独立建会", "check"],
    ["chair", "工会主席", "text"], ["female_workers_committee", "女职工委员会", "check"]],
  league: [["formed", "是否已建", "formed"], ["established", "成立日期", "date"], ["secretary", "团组织书记", "text"]],
  women_org: [["formed", "是否已建", "formed"], ["form", "妇女组织形式", "select", "women_org_form"],
    ["established", "成立日期", "date"], ["chair", "主席（联络员）", "text"], ["chair_full_time", "主席专职", "check"],
    ["chair_on_committees", "妇代会主任进村两委", "check"]],
  womens_home: [["formed", "是否已建", "formed"], ["established", "建成日期", "date"]],
};

function orgFields(field) {
  return ORG_DETAILS[field].map(([key, label, type, enumName]) => type === "formed"
    ? { key: `${field}.${key}`, label, type: "check", required: true, yes: "已建", no: "未建" }
    : { key: `${field}.${key}`, label, type, enum: enumName });
}

// The unit form's fields, with the parks of the township for `parent`.
function unitFields(byId) {
  const parks = Object.values(byId).filter((u) => u.kind === "park" && !u.archived)
    .map((u) => ({ value: u.id, label: u.name }));
  return UNIT_FIELDS.map((f) => (f.key === "parent" ? { ...f, options: parks } : f));
}

export async function show(parts) {
  if (parts[0] === "new") return newUnitPage();
  if (parts[0]) return unitPage(parts[0]);
  return unitsPage();
}

async function unitsPage() {
  const all = await enums();
  const showArchived = new URLSearchParams(location.hash.split("?")[1] || "").has("all");
  const { units } = await api("GET", `/api/units${showArchived ? "?all=1" : ""}`);
  const orgs = units[0]?.orgs || [];
  main.innerHTML = `<h1>单位 <span class="muted small">共 ${units.length} 个</span></h1>
    <div class="toolbar"><input id="search" placeholder="搜索单位名称" size="24">
      <select id="filter-kind"><option value="">全部类型</option>${all.unit_kind.map((k) => `<option value="${esc(k.value)}">${esc(k.label)}</option>`).join("")}</select>
      <select id="filter-missing"><option value="">全部</option><option value="any">有应建未建的</option>
        ${all.org_kind.map((k) => `<option value="${esc(k.value)}">应建未建：${esc(k.label)}</option>`).join("")}</select>
      <label class="inline"><input type="checkbox" id="show-archived" ${showArchived ? "checked" : ""}>显示已归档</label>
      <a href="#/units/new"><button type="button">添加单位</button></a></div>
    <table id="units-table"><thead><tr><th>单位</th><th>类型</th>${orgs.map((o) => `<th>${esc(o.label)}</th>`).join("")}<th>应建未建</th></tr></thead>
    <tbody>${units.map((u) => `<tr data-id="${esc(u.id)}" data-name="${esc(u.name)}" data-kind="${esc(u.kind)}"
        data-missing="${esc(u.missing.map((m) => m.missing).join(" "))}" class="${u.archived ? "archived" : ""}">
      <td><a href="#/units/${esc(u.id)}">${esc(u.name)}</a>${u.archived ? ` <span class="tag">已归档</span>` : ""}</td><td>${esc(u.kind_label)}</td>
      ${u.orgs.map((o) => `<td class="${o.formed ? "yes" : "no"}">${o.formed ? "已建" : "未建"}</td>`).join("")}
      <td class="${u.missing.length ? "overdue" : ""}">${u.missing.map((m) => esc(m.missing_label)).join("、") || "—"}</td></tr>`).join("")}</tbody></table>
    <p id="units-none" class="muted" hidden>没有符合条件的单位。</p>`;
  const filter = () => {
    const q = document.getElementById("search").value.trim();
    const kind = document.getElementById("filter-kind").value;
    const missing = document.getElementById("filter-missing").value;
    let shown = 0;
    for (const tr of document.querySelectorAll("#units-table tbody tr")) {
      const lacks = tr.dataset.missing.split(" ").filter(Boolean);
      tr.hidden = (q && !tr.dataset.name.includes(q)) || (kind && tr.dataset.kind !== kind)
        || (missing === "any" && !lacks.length) || (missing && missing !== "any" && !lacks.includes(missing));
      if (!tr.hidden) shown++;
    }
    document.getElementById("units-none").hidden = shown > 0;
  };
  for (const id of ["search", "filter-kind", "filter-missing"]) document.getElementById(id).addEventListener("input", filter);
  document.getElementById("show-archived").addEventListener("change", (ev) => {
    location.hash = ev.target.checked ? "#/units?all" : "#/units";
  });
  main.dataset.page = "units";
}

async function newUnitPage() {
  const [all, byId] = await Promise.all([enums(), unitsById()]);
  const fields = unitFields(byId);
  main.innerHTML = `<h1>添加单位</h1>${formHtml("unit-form", fields, { kind: "village" }, all, "保存")}`;
  const form = document.getElementById("unit-form");
  onSubmit(form, fields, (v) => api("POST", "/api/units", v), ({ id }) => {
    edited();
    location.hash = `#/units/${id}`;
  });
  main.dataset.page = "new-unit";
}

async function unitPage(id) {
  const [all, byId, u] = await Promise.all([enums(), unitsById(), api("GET", `/api/units/${encodeURIComponent(id)}`)]);
  const path = `/api/units/${encodeURIComponent(id)}`;
  const orgs = u.orgs.map((o) => {
    const field = ORG_FIELD[o.org];
    const est = u.fields[field]?.established;
    const why = u.missing.filter((m) => m.org === o.org);
    const details = formHtml(`org-${o.org}`, orgFields(field), u.fields, all, "保存");
    return `<div class="org ${o.formed ? "formed" : "missing"}" data-org="${o.org}">
      <b>${esc(o.label)}</b> <span class="${o.formed ? "yes" : "no"} state">${o.formed ? "已建" : "未建"}</span>
      ${est ? `<div class="muted">成立于 ${esc(est)}</div>` : ""}
      ${why.map((w) => `<div class="problem why">应建${esc(w.missing_label)}：${esc(w.rule)}${w.due ? `（期限 ${esc(w.due)}${w.overdue ? "，已逾期" : ""}）` : ""}</div>`).join("")}
      ${o.formed ? "" : `<form class="quick"><label data-field="${field}.established">成立日期<input type="date" name="established"></label>
        <button type="submit" class="record">记为已建</button></form>`}
      <details><summary>${o.formed ? "详细信息" : "填写详细信息"}</summary>${details}</details></div>`;
  }).join("");
  const gaps = u.missing.length
    ? `<p class="notice" id="unit-gaps">应建未建：${u.missing.map((m) => `${esc(m.missing_label)}（${esc(m.rule)}）`).join("；")}</p>`
    : `<p class="notice ok" id="unit-gaps">该单位没有应建未建的组织。</p>`;
  const fields = unitFields(byId);
  main.innerHTML = `<h1>${esc(u.name)} <span class="muted small">${esc(u.kind_label)}</span>
      ${u.archived ? `<span class="tag">已归档</span> <button id="restore" type="button">恢复</button>` : `<button id="archive" type="button">归档</button>`}</h1>
    ${gaps}<h2>组织</h2><div class="orgs">${orgs}</div><div class="form-problem problem" id="org-problem"></div>
    <h2>单位信息</h2>${formHtml("edit-form", fields, u.fields, all, "保存修改")}`;
  const reload = async (message) => {
    edited();
    await unitPage(id);
    if (message) document.querySelector("#edit-form .form-problem").textContent = message;
  };
  for (const quick of main.querySelectorAll(".org form.quick")) {
    quick.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const field = ORG_FIELD[quick.closest(".org").dataset.org];
      const date = quick.elements.established.value || null;
      try {
        await api("PATCH", path, { [field]: { formed: true, established: date } });
        await reload();
      } catch (e) { showProblems(quick, e); }
    });
  }
  for (const o of u.orgs) {
    const form = document.getElementById(`org-${o.org}`);
    onSubmit(form, orgFields(ORG_FIELD[o.org]), (v) => api("PATCH", path, v), () => reload(`${o.label}已保存`));
  }
  onSubmit(document.getElementById("edit-form"), fields, (v) => api("PATCH", path, v), () => reload("已保存"));
  const act = (action) => async () => {
    try {
      await api("POST", `${path}/${action}`);
      await reload();
    } catch (e) { document.getElementById("org-problem").textContent = e.message; }
  };
  const archive = document.getElementById("archive");
  // Archived units leave 应建未建 and the rates; they can be restored.
  if (archive) armedButton(archive, "确认归档？再点一次", act("archive"));
  document.getElementById("restore")?.addEventListener("click", act("restore"));
  main.dataset.unit = id;
}
