// The pages of a kind of record (人员、活动、荣誉、走访), from a
// description of it; and the lookups those pages share.

import { api, armedButton, edited, enums, esc, formHtml, getPath, label, main, onSubmit } from "./common.js";

// One kind of record's pages from a description, as every kind shares
// them: the list (search, 显示已归档, 添加), the add form, and a record's
// page (its edit form, 归档/恢复). `spec`:
//   kind      the API's and the hash's name (`people`)
//   noun      its word (`人员`)
//   load()    the lookups its pages need (names of units, people), merged
//             into `ctx` next to `all` (the enums)
//   fields(ctx, values)  the form's fields (see formHtml) for a record
//             with `values` (an archived unit it points at stays offered)
//   columns   [{label, cell(fields, ctx) → HTML}]; the first links to the record
//   title(fields, ctx)   what a record is called on its page
//   defaults(ctx)        a new record's starting values
//   sort(a, b)           list order (by default the API's: oldest first)
//   intro     a line under the add form's heading, saying what to fill
//   wire(form, ctx)      after a form is shown (e.g. fields that exclude each other)
//   aside(fields, ctx)   HTML above a record's edit form
//   listAside(ctx)       HTML between the list's heading and its toolbar
export function recordPages(spec) {
  return async (parts) => {
    const [all, lookups] = await Promise.all([enums(), spec.load ? spec.load() : {}]);
    const ctx = { all, ...lookups };
    if (parts[0] === "new") return recordNew(spec, ctx);
    if (parts[0]) return recordShow(spec, ctx, parts[0]);
    return recordList(spec, ctx);
  };
}

// Per kind, whether its list shows archived records too and what is
// searched: kept while the app is open, so coming back from a record
// finds the list as it was left.
const showingArchived = {};
const searching = {};

async function recordList(spec, ctx) {
  const archived = !!showingArchived[spec.kind];
  const { records } = await api("GET", `/api/${spec.kind}${archived ? "?all=1" : ""}`);
  if (spec.sort) records.sort(spec.sort);
  const rows = records.map((r) => `<tr data-id="${esc(r.id)}" class="${r.archived ? "archived" : ""}">${spec.columns.map((c, i) => i === 0
    ? `<td><a href="#/${spec.kind}/${esc(encodeURIComponent(r.id))}">${c.cell(r.fields, ctx) || "（未填）"}</a>${r.archived ? ` <span class="tag">已归档</span>` : ""}</td>`
    : `<td>${c.cell(r.fields, ctx) ?? ""}</td>`).join("")}</tr>`).join("");
  const search = searching[spec.kind] ?? "";
  main.innerHTML = `<h1>${esc(spec.noun)} <span class="muted small">共 ${records.length} 条</span></h1>
    ${spec.listAside ? spec.listAside(ctx) : ""}
    <div class="toolbar"><input id="record-search" placeholder="输入关键字查找" size="24" value="${esc(search)}">
      <label class="inline"><input type="checkbox" id="show-archived" ${archived ? "checked" : ""}>显示已归档</label>
      <button id="record-add" class="primary" type="button">添加${esc(spec.noun)}</button></div>
    <table id="records-table" class="records"><thead><tr>${spec.columns.map((c) => `<th>${esc(c.label)}</th>`).join("")}</tr></thead>
    <tbody>${rows}</tbody></table>
    <p id="records-none" class="muted" hidden>${records.length ? "没有符合条件的记录。" : `还没有${esc(spec.noun)}记录，点「添加${esc(spec.noun)}」录入第一条。`}</p>`;
  // Searches what the row shows (names and words, not ids).
  const filter = () => {
    const q = document.getElementById("record-search").value.trim();
    searching[spec.kind] = q;
    let shown = 0;
    for (const tr of main.querySelectorAll("#records-table tbody tr")) {
      tr.hidden = !!q && !tr.textContent.includes(q);
      if (!tr.hidden) shown++;
    }
    document.getElementById("records-none").hidden = shown > 0;
  };
  document.getElementById("record-search").addEventListener("input", filter);
  filter();
  document.getElementById("show-archived").addEventListener("change", (ev) => {
    showingArchived[spec.kind] = ev.target.checked;
    recordList(spec, ctx).catch((e) => { main.innerHTML = `<p class="notice">${esc(e.message)}</p>`; });
  });
  document.getElementById("record-add").addEventListener("click", () => { location.hash = `#/${spec.kind}/new`; });
  main.dataset.page = spec.kind;
  main.dataset.archivedShown = archived ? "1" : "0";
}

// What the form holds, as the record's fields the API takes: a field
// with `blank` (a count, a note) sends that instead of null when empty,
// as the record cannot be without it.
function recordValues(fields, values) {
  for (const f of fields) if ("blank" in f && getPath(values, f.key) == null) setPath(values, f.key, f.blank);
  return values;
}

function backLink(spec) {
  return `<p class="crumbs"><a href="#/${spec.kind}">← 返回${esc(spec.noun)}列表</a></p>`;
}

async function recordNew(spec, ctx) {
  const values = spec.defaults ? spec.defaults(ctx) : {};
  const fields = spec.fields(ctx, values);
  main.innerHTML = `${backLink(spec)}<h1>添加${esc(spec.noun)}</h1>
    ${spec.intro ? `<p class="muted">${esc(spec.intro)}</p>` : ""}
    ${formHtml("record-form", fields, values, ctx.all, "保存")}`;
  const form = document.getElementById("record-form");
  spec.wire?.(form, ctx);
  onSubmit(form, fields, (v) => api("POST", `/api/${spec.kind}`, recordValues(fields, v)), ({ id }) => {
    edited();
    location.hash = `#/${spec.kind}/${encodeURIComponent(id)}`;
  });
  main.dataset.page = `new-${spec.kind}`;
}

async function recordShow(spec, ctx, id, saved) {
  const path = `/api/${spec.kind}/${encodeURIComponent(id)}`;
  const r = await api("GET", path);
  const fields = spec.fields(ctx, r.fields);
  main.innerHTML = `${backLink(spec)}
    <h1>${esc(spec.title(r.fields, ctx))} <span class="muted small">${esc(spec.noun)}</span>
      ${r.archived ? `<span class="tag">已归档</span> <button id="restore" type="button">恢复</button>` : `<button id="archive" type="button">归档</button>`}</h1>
    ${r.archived ? `<p class="notice">这条记录已归档：列表中默认不再显示（勾选「显示已归档」可以看到），记录本身仍保留，点「恢复」即可恢复。</p>` : ""}
    ${spec.aside ? spec.aside(r.fields, ctx) : ""}
    <h2>修改信息</h2>${formHtml("edit-form", fields, r.fields, ctx.all, "保存修改")}
    <p id="record-problem" class="problem"></p>`;
  const form = document.getElementById("edit-form");
  if (saved) form.querySelector(".actions").insertAdjacentHTML("beforeend", `<span class="saved">${esc(saved)}</span>`);
  spec.wire?.(form, ctx);
  const reload = async (message) => {
    edited();
    // Names the pages show may have changed with the edit.
    Object.assign(ctx, spec.load ? await spec.load() : {});
    await recordShow(spec, ctx, id, message);
  };
  onSubmit(form, fields, (v) => api("PATCH", path, recordValues(fields, v)), () => reload("已保存"));
  const act = (action, message) => async () => {
    try {
      await api("POST", `${path}/${action}`);
      await reload(message);
    } catch (e) { document.getElementById("record-problem").textContent = e.message; }
  };
  const archive = document.getElementById("archive");
  if (archive) armedButton(archive, "确认归档？再点一次", act("archive", "已归档"));
  document.getElementById("restore")?.addEventListener("click", act("restore", "已恢复"));
  main.dataset.record = id;
  main.dataset.archived = r.archived ? "1" : "0";
}

// Choices among `byId` ({id: {name, archived}}) for a field now holding
// `current` (an id, or a list of ids): those not archived, and what the
// record already points at even if archived or unknown, so saving the form
// does not drop it.
export function choices(byId, current, nameOf = (x) => x.name) {
  const out = Object.entries(byId).filter(([, x]) => !x.archived).map(([id, x]) => ({ value: id, label: nameOf(x) }));
  for (const id of [].concat(current ?? [])) {
    if (!id || out.some((o) => o.value === id)) continue;
    const x = byId[id];
    out.push({ value: id, label: x ? `${nameOf(x)}（已归档）` : `（找不到的记录 ${id}）` });
  }
  return out;
}

// A unit's name linking to its page; the id itself if no unit has it.
export function unitLink(byId, id) {
  if (!id) return "";
  const u = byId[id];
  return `<a href="#/units/${esc(encodeURIComponent(id))}">${esc(u ? u.name : id)}</a>`;
}

// People by id (archived too), as {name, archived, fields}.
export async function peopleById() {
  const { records } = await api("GET", "/api/people?all=1");
  return Object.fromEntries(records.map((r) => [r.id, { name: r.fields.name, archived: r.archived, fields: r.fields }]));
}
