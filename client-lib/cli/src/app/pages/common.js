// What every page shares: the API call, escaping, the words for stored
// values, and forms built from a list of fields. Pages never compute a
// figure; they show what /api/… gives and send what the person typed.

export const main = document.getElementById("main");

export function esc(s) {
  return String(s ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}

// Call the local API; an error carries the JSON body (with `problems`).
export async function api(method, path, body) {
  const res = await fetch(path, {
    method,
    headers: body ? { "content-type": "application/json" } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  const data = await res.json().catch(() => ({ error: `服务返回 ${res.status}` }));
  if (!res.ok) throw Object.assign(new Error(data.error || res.status), { data, status: res.status });
  return data;
}

export function localTime(iso) {
  if (!iso) return "从未同步";
  const d = new Date(iso);
  const p = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

export function pct(x) { return x == null ? "—" : (x * 100).toFixed(1) + "%"; }

// The words for every stored value, from /api/enums (fetched once).
let enumsOnce;
export function enums() {
  enumsOnce ??= api("GET", "/api/enums");
  return enumsOnce;
}

// The Chinese word for `value` of enum `name`, or the value itself.
export function label(all, name, value) {
  return (all[name] || []).find((v) => v.value === value)?.label ?? value ?? "";
}

// Read a dotted path (`union.formed`) out of a record's fields.
export function getPath(obj, path) {
  return path.split(".").reduce((o, k) => (o == null ? undefined : o[k]), obj);
}

function setPath(obj, path, value) {
  const keys = path.split(".");
  let o = obj;
  for (const k of keys.slice(0, -1)) o = o[k] ??= {};
  o[keys.at(-1)] = value;
}

// A form from `fields`: [{key, label, type, enum?, options?, required?}].
// Types: text, textarea, number, date, year, check (yes/no, or the words
// in `yes`/`no`), select (an
// enum by name, or `options` [{value, label}]), set (checkboxes of an
// enum or `options`). `key` may be dotted for a nested field. The error
// for a field shows next to it: the label carries data-field=key.
export function formHtml(id, fields, values, all, button) {
  const control = (f) => {
    const value = getPath(values, f.key);
    const name = `name="${esc(f.key)}"`;
    const options = f.options || all[f.enum] || [];
    switch (f.type) {
      case "select":
        return `<select ${name}>${f.required ? "" : `<option value="">（未填）</option>`}${options.map((o) =>
          `<option value="${esc(o.value)}" ${o.value === value ? "selected" : ""}>${esc(o.label)}</option>`).join("")}</select>`;
      case "set": {
        const have = new Set(value || []);
        return `<span class="checks">${options.map((o) => `<label class="inline"><input type="checkbox" ${name} value="${esc(o.value)}" ${have.has(o.value) ? "checked" : ""}>${esc(o.label)}</label>`).join("")}</span>`;
      }
      case "check":
        return `<select ${name}>${f.required ? "" : `<option value="">（未填）</option>`}<option value="true" ${value === true ? "selected" : ""}>${esc(f.yes ?? "是")}</option><option value="false" ${value === false ? "selected" : ""}>${esc(f.no ?? "否")}</option></select>`;
      case "textarea":
        return `<textarea ${name} rows="2">${esc(value)}</textarea>`;
      case "year":
        return `<input ${name} type="number" min="1900" max="2100" value="${esc(value)}">`;
      default:
        return `<input ${name} type="${f.type || "text"}" value="${esc(value)}" ${f.required ? "required" : ""}>`;
    }
  };
  return `<form id="${id}" class="grid">${fields.map((f) =>
    `<label data-field="${esc(f.key)}" class="${f.type === "set" || f.type === "textarea" ? "wide" : ""}">${esc(f.label)}${control(f)}</label>`).join("")}
    <div class="actions"><div class="form-problem problem"></div><button id="${id}-save" class="primary" type="submit">${esc(button)}</button></div></form>`;
}

// What the form holds, as the record's fields: blank is null (which a
// JSON merge patch reads as "clear"), numbers are numbers, sets arrays.
export function formValues(form, fields) {
  const out = {};
  for (const f of fields) {
    let v;
    if (f.type === "set") {
      v = [...form.querySelectorAll(`input[name="${CSS.escape(f.key)}"]:checked`)].map((i) => i.value);
    } else {
      const raw = form.elements[f.key].value.trim();
      if (raw === "") v = null;
      else if (f.type === "number" || f.type === "year") v = /^\d+$/.test(raw) ? Number(raw) : raw;
      else if (f.type === "check") v = raw === "true";
      else v = raw;
    }
    setPath(out, f.key, v);
  }
  return out;
}

// A refused entry: each problem beside its field, the rest above the button.
export function showProblems(root, err) {
  for (const el of root.querySelectorAll(".field-problem")) el.remove();
  for (const el of root.querySelectorAll("label.bad")) el.classList.remove("bad");
  const rest = [];
  for (const p of err.data?.problems || []) {
    const label = root.querySelector(`[data-field="${CSS.escape(p.field)}"]`);
    if (label) {
      label.classList.add("bad");
      label.insertAdjacentHTML("beforeend", `<span class="problem field-problem">${esc(p.message)}</span>`);
    } else rest.push(p.message);
  }
  const general = root.querySelector(".form-problem");
  if (general) general.textContent = [err.message, ...rest].join("；");
}

// Submit `form` as `send(values)`; problems show at the fields, and
// `done(result)` runs after a success.
export function onSubmit(form, fields, send, done) {
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      const result = await send(formValues(form, fields));
      await done(result);
    } catch (e) {
      showProblems(form, e);
    } finally {
      button.disabled = false;
    }
  });
}

// Units by id (archived too, as records may point at them), for names
// and for the unit select of other records' forms.
export async function unitsById() {
  const { units } = await api("GET", "/api/units?all=1");
  return Object.fromEntries(units.map((u) => [u.id, u]));
}

// A unit select's options: the units not archived, by name.
export function unitOptions(byId) {
  return Object.values(byId).filter((u) => !u.archived).map((u) => ({ value: u.id, label: u.name }));
}

// A button that asks once more before it acts (a dialog would stop a
// page driven by a script): the first click arms it for five seconds.
export function armedButton(button, question, act) {
  const text = button.textContent;
  button.addEventListener("click", async () => {
    if (!button.dataset.armed) {
      button.dataset.armed = "1";
      button.textContent = question;
      setTimeout(() => { delete button.dataset.armed; button.textContent = text; }, 5000);
      return;
    }
    button.disabled = true;
    try { await act(); } finally { button.disabled = false; }
  });
}

// Tell the status line in the header to refresh (an edit was made).
export function edited() {
  window.dispatchEvent(new Event("qunjian:edited"));
}

// ---- Record pages (人员、活动、荣誉、走访) ----
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
