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
