// 推优: the year's nominations (filter by year and recommending
// organization), a nomination's six steps as a stepper (done steps with
// their date and fields, the next step's form, later steps greyed, what
// the checks find wrong in red), and the form to start one, step by step
// or directly by the upper organization. The step reached, the next step
// and the problems all come from /api/nominations.

import { api, armedButton, edited, enums, esc, formHtml, label, main, onSubmit, unitOptions, unitsById } from "./common.js";

// Each step's own fields, as the document names them (`steps.<step>.<key>`
// is also the field the checks name, so a refusal lands beside it).
const STEP_FIELDS = {
  assembly: [["date", "日期", "date"], ["attendance", "到会人数", "number"], ["votes_for", "赞成票", "number"]],
  inspection: [["date", "日期", "date"], ["inspector", "考察人", "text"], ["summary", "考察材料摘要", "textarea"]],
  approval: [["date", "日期", "date"], ["reason", "推荐理由", "textarea"]],
  upper_review: [["date", "日期", "date"], ["decision", "审核结论", "select", "review_decision"],
    ["organization", "审核组织", "text"], ["comment", "意见", "textarea"]],
  recommended: [["date", "日期", "date"], ["party_organization", "接收推荐的党组织", "text"]],
  party_decision: [["date", "日期", "date"], ["decision", "决定", "select", "party_decision"]],
};

function stepFields(step) {
  return STEP_FIELDS[step].map(([key, lab, type, enumName]) =>
    ({ key: `steps.${step}.${key}`, label: lab, type, enum: enumName, required: type === "select" }));
}

// The list's filters, kept while the app is open.
const filter = { year: "", org: "", all: false };

export async function show(parts) {
  if (parts[0] === "new") return newPage();
  if (parts[0]) return nominationPage(parts[0]);
  return listPage();
}

async function listPage() {
  const all = await enums();
  const q = new URLSearchParams();
  if (filter.year) q.set("year", filter.year);
  if (filter.org) q.set("org", filter.org);
  if (filter.all) q.set("all", "1");
  const list = await api("GET", `/api/nominations?${q}`);
  const rows = list.nominations.map((n) => `<tr data-id="${esc(n.id)}" class="${n.archived ? "archived" : ""}">
      <td><a href="#/nominations/${esc(n.id)}">${esc(n.person_name)}</a>${n.archived ? ` <span class="tag">已归档</span>` : ""}</td>
      <td>${esc(n.organization_label)}</td><td>${esc(n.unit_name)}</td><td>${esc(n.year)}</td><td>${esc(n.way)}</td>
      <td class="current">${esc(n.current_step_label)}</td>
      <td class="next">${n.next_step ? esc(n.next_step_label) : `<span class="yes">已完成</span>`}</td>
      <td class="${n.findings ? "overdue" : "muted"}">${n.findings ? `${n.findings} 个问题` : "—"}</td></tr>`).join("");
  const yearText = list.year == null ? "全部年度" : `${list.year} 年`;
  main.innerHTML = `<h1>推优 <span class="muted small">${esc(yearText)} · 共 ${list.nominations.length} 条</span></h1>
    <div class="toolbar">
      <label class="inline">年度<select id="filter-year"><option value="all">全部年度</option>
        ${list.years.map((y) => `<option value="${y}" ${y === list.year ? "selected" : ""}>${y} 年</option>`).join("")}</select></label>
      <label class="inline">推荐组织<select id="filter-org"><option value="">全部</option>
        ${all.recommending_org.map((o) => `<option value="${esc(o.value)}" ${o.value === filter.org ? "selected" : ""}>${esc(o.label)}</option>`).join("")}</select></label>
      <label class="inline"><input type="checkbox" id="show-archived" ${filter.all ? "checked" : ""}>显示已归档</label>
      <a href="#/nominations/new"><button type="button" id="new-nomination">新建推优</button></a></div>
    ${list.nominations.length
      ? `<table id="nominations-table"><thead><tr><th>被推荐人</th><th>推荐组织</th><th>推荐单位</th><th>年度</th><th>方式</th>
          <th>当前进度</th><th>下一步</th><th>问题</th></tr></thead><tbody>${rows}</tbody></table>`
      : `<p class="notice" id="nominations-none">${esc(yearText)}没有符合条件的推优记录。</p>`}`;
  const reload = () => listPage();
  document.getElementById("filter-year").addEventListener("change", (ev) => { filter.year = ev.target.value; reload(); });
  document.getElementById("filter-org").addEventListener("change", (ev) => { filter.org = ev.target.value; reload(); });
  document.getElementById("show-archived").addEventListener("change", (ev) => { filter.all = ev.target.checked; reload(); });
  main.dataset.page = "nominations";
  main.dataset.count = String(list.nominations.length);
}

async function newPage() {
  const [all, byId, choices] = await Promise.all([enums(), unitsById(), api("GET", "/api/nominations/choices")]);
  const people = choices.people.map((p) => ({
    value: p.id,
    label: p.name + (p.roles.length ? `（${p.roles.join("、")}）` : ""),
  }));
  const fields = [
    { key: "person", label: "被推荐人", type: "select", options: people },
    { key: "organization", label: "推荐组织", type: "select", enum: "recommending_org" },
    { key: "unit", label: "推荐单位", type: "select", options: unitOptions(byId) },
    { key: "year", label: "年度", type: "year" },
    { key: "direct", label: "推荐方式", type: "check", required: true,
      yes: "直接推荐（上级组织推荐，从上级审核开始）", no: "逐级推荐（从民主推荐开始）" },
  ];
  main.innerHTML = `<h1>新建推优</h1>
    <p class="muted">逐级推荐依次记录六个步骤；上级组织直接推荐的，跳过民主推荐、考察、审批，从上级审核开始，只适用于担任${esc(choices.direct_roles.join("、"))}的人员。</p>
    ${people.length ? "" : `<p class="notice">还没有人员，请先在“人员”页面添加被推荐人。</p>`}
    ${formHtml("nomination-form", fields, { year: choices.this_year, direct: false }, all, "开始推优")}`;
  const form = document.getElementById("nomination-form");
  // The person's own unit is the usual recommending unit.
  form.elements.person.addEventListener("change", () => {
    const p = choices.people.find((x) => x.id === form.elements.person.value);
    if (p?.unit && byId[p.unit] && !byId[p.unit].archived) form.elements.unit.value = p.unit;
  });
  onSubmit(form, fields, (v) => api("POST", "/api/nominations", v), ({ id }) => {
    edited();
    location.hash = `#/nominations/${id}`;
  });
  main.dataset.page = "new-nomination";
}

// A done step's fields (but its date, shown above them) as lines.
function stepDetails(all, s) {
  return STEP_FIELDS[s.step].filter(([key]) => key !== "date").map(([key, lab, type, enumName]) => {
    const v = s.fields?.[key];
    if (v == null || v === "") return "";
    const shown = type === "select" ? label(all, enumName, v) : v;
    return `<div class="kv"><span class="muted">${esc(lab)}</span> ${esc(shown)}</div>`;
  }).join("");
}

const STATE = { done: "已完成", next: "下一步", later: "待记录", skipped: "直接推荐，跳过" };

async function nominationPage(id, message) {
  const [all, n] = await Promise.all([enums(), api("GET", `/api/nominations/${encodeURIComponent(id)}`)]);
  const path = `/api/nominations/${encodeURIComponent(id)}`;
  const cells = n.steps.map((s) => `<li class="step ${s.state} ${s.findings.length ? "flagged" : ""}" data-step="${esc(s.step)}" data-state="${s.state}">
      <div class="step-head"><span class="step-no">${s.number}</span><b>${esc(s.label)}</b></div>
      <div class="step-state">${esc(STATE[s.state])}</div>
      ${s.date ? `<div class="step-date">${esc(s.date)}</div>` : ""}
      ${s.state === "done" ? stepDetails(all, s) : ""}
      ${s.findings.map((f) => `<div class="problem step-finding" title="${esc(f.message)}">${esc(f.rule_label)}</div>`).join("")}</li>`).join("");
  const next = n.steps.find((s) => s.state === "next");
  const findings = n.finding_list.length
    ? `<div class="notice bad" id="nomination-findings"><b>数据检查发现 ${n.finding_list.length} 个问题：</b>
        <ul>${n.finding_list.map((f) => `<li>${esc(f.message)}</li>`).join("")}</ul></div>` : "";
  main.innerHTML = `<h1>推优：${esc(n.person_name)} <span class="muted small">${esc(n.organization_label)} · ${esc(n.unit_name)} · ${esc(n.year)} 年 · ${esc(n.way)}</span>
      ${n.archived ? `<span class="tag">已归档</span> <button id="restore" type="button">恢复</button>` : `<button id="archive" type="button">归档</button>`}</h1>
    ${findings}
    <ol class="stepper" id="stepper">${cells}</ol>
    <div class="saved" id="nomination-saved"></div><div class="form-problem problem" id="nomination-problem"></div>
    ${next && !n.archived
      ? `<h2>记录下一步：第 ${next.number} 步 ${esc(next.label)}</h2>${formHtml("step-form", stepFields(next.step), {}, all, `记录「${next.label}」`)}`
      : next ? "" : `<p class="notice ok" id="nomination-complete">六个步骤已全部记录${n.direct ? "（直接推荐，前三步跳过）" : ""}。</p>`}
    <p><a href="#/nominations">← 返回推优列表</a></p>`;
  if (message) document.getElementById("nomination-saved").textContent = message;
  if (next && !n.archived) {
    const fields = stepFields(next.step);
    const stepForm = document.getElementById("step-form");
    // What was saved before is not what this submit says.
    stepForm.addEventListener("submit", () => { document.getElementById("nomination-saved").textContent = ""; });
    onSubmit(stepForm, fields,
      (v) => api("POST", `${path}/steps/${next.step}`, v.steps[next.step]),
      async () => { edited(); await nominationPage(id, `已记录「${next.label}」`); });
  }
  const act = (action) => async () => {
    try {
      await api("POST", `${path}/${action}`);
      edited();
      await nominationPage(id);
    } catch (e) { document.getElementById("nomination-problem").textContent = e.message; }
  };
  const archive = document.getElementById("archive");
  if (archive) armedButton(archive, "确认归档？再点一次", act("archive"));
  document.getElementById("restore")?.addEventListener("click", act("restore"));
  main.dataset.page = "nomination";
  main.dataset.nomination = id;
  main.dataset.next = next?.step ?? "";
}
