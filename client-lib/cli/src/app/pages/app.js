// 群建乡镇网页应用: hash-routed pages over the local JSON API (/api/…).
// Everything the pages show comes from the API, which calls the same
// library as the command line, so a page never computes a figure itself.

const main = document.getElementById("main");

const KINDS = [
  ["village", "行政村"], ["community", "社区"], ["enterprise", "非公企业"],
  ["social_org", "社会组织"], ["agency", "机关"], ["institution", "事业单位"], ["park", "工业园区"],
];
// An organization's kind (OrgKind) and the unit field that holds it.
const ORG_FIELD = { party: "party_org", union: "union", league: "league", women: "women_org", womens_home: "womens_home" };
const UNIT_FIELDS = [
  ["name", "单位名称", "text"], ["kind", "单位类型", "kind"], ["credit_code", "统一社会信用代码", "text"],
  ["employees", "职工人数", "number"], ["female_staff", "女性固定职工", "number"],
  ["youth", "28 岁以下青年", "number"], ["opened", "成立/开业日期", "date"],
];

function esc(s) {
  return String(s ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}

async function api(method, path, body) {
  const res = await fetch(path, {
    method,
    headers: body ? { "content-type": "application/json" } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  const data = await res.json().catch(() => ({ error: `服务返回 ${res.status}` }));
  if (!res.ok) throw Object.assign(new Error(data.error || res.status), { data, status: res.status });
  return data;
}

function localTime(iso) {
  if (!iso) return "从未同步";
  const d = new Date(iso);
  const p = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

// The header: online or not, last sync, changes not yet uploaded.
function showStatus(s) {
  const state = document.getElementById("sync-state");
  if (s.setup_needed) {
    state.textContent = "未设置";
    state.className = "badge";
    return;
  }
  document.getElementById("township").textContent = s.township || "乡镇台账";
  // Offline wins: a background sync keeps trying while the server is away,
  // and "同步中" then would hide that the device is offline.
  state.textContent = !s.online ? "离线" : s.syncing ? "同步中" : "在线";
  state.className = "badge " + (s.online ? "online" : "offline");
  state.title = s.sync_error || "";
  document.getElementById("sync-last").textContent = "上次同步 " + localTime(s.last_sync);
  document.getElementById("sync-unsent").textContent = `待上传修改 ${s.unsent_changes} 条`;
}

let setupShown = false;
async function refreshStatus() {
  try {
    const s = await api("GET", "/api/status");
    showStatus(s);
    if (s.setup_needed && !setupShown) setupPage();
    return s;
  } catch (e) {
    document.getElementById("sync-state").textContent = "应用已停止";
  }
}

document.getElementById("sync-now").addEventListener("click", async (ev) => {
  ev.target.disabled = true;
  try { showStatus(await api("POST", "/api/sync")); } catch (e) { alert(e.message); }
  ev.target.disabled = false;
  route();
});

function setupPage() {
  setupShown = true;
  main.innerHTML = `<div class="setup"><h1>首次使用：连接县级服务器</h1>
    <p class="muted">填写县里给的服务器地址和本设备的令牌，应用会下载本乡镇的台账，并记住它们。</p>
    <form id="setup-form">
      <label>县级服务器地址<input id="setup-server" placeholder="例如 county.example.cn:8080" required></label>
      <label>本设备的令牌<input id="setup-token" placeholder="qjt_…" required></label>
      <div id="setup-problem" class="problem"></div>
      <button id="setup-go" class="primary" type="submit">连接并下载台账</button>
    </form></div>`;
  document.getElementById("setup-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const btn = document.getElementById("setup-go");
    btn.disabled = true;
    btn.textContent = "正在连接…";
    try {
      await api("POST", "/api/setup", {
        server: document.getElementById("setup-server").value,
        token: document.getElementById("setup-token").value,
      });
      setupShown = false;
      location.hash = "#/overview";
      await refreshStatus();
      route();
    } catch (e) {
      document.getElementById("setup-problem").textContent = e.message;
      btn.disabled = false;
      btn.textContent = "连接并下载台账";
    }
  });
}

function pct(x) { return x == null ? "—" : (x * 100).toFixed(1) + "%"; }

async function overviewPage() {
  const o = await api("GET", "/api/overview");
  showStatus(o.sync);
  const gaps = o.gaps.map((g) => `<tr data-unit="${esc(g.unit_id)}">
      <td><a href="#/units/${esc(g.unit_id)}">${esc(g.unit)}</a></td><td>${esc(g.unit_kind)}</td>
      <td>${esc(g.missing_label)}</td><td>${esc(g.due || "—")}</td>
      <td class="${g.overdue ? "overdue" : ""}">${g.overdue ? "已逾期" : ""}</td><td class="muted">${esc(g.rule)}</td></tr>`).join("");
  const rates = o.coverage.map((r) => `<tr><td>${esc(r.label_zh)}</td><td>${r.formed} / ${r.required}</td>
      <td><span class="bar ${r.met === false ? "short" : ""}"><i style="width:${(r.rate || 0) * 100}%"></i></span> ${pct(r.rate)}</td>
      <td>${pct(r.target_rate)}</td><td class="${r.met === false ? "no" : "yes"}">${r.met == null ? "—" : r.met ? "达标" : "未达标"}</td></tr>`).join("");
  const rules = o.rules.source === "county" ? `县里规则（${localTime(o.rules.fetched_at)} 获取）` : "内置默认规则（尚未从县里获取）";
  main.innerHTML = `<h1>概览 <span class="muted" style="font-size:14px">截至 ${esc(o.as_of)} · ${rules}</span></h1>
    <div class="cards"><div class="card"><div class="muted">应建未建</div><div class="num" id="gaps-count">${o.gaps.length}</div></div>
    <div class="card"><div class="muted">其中已逾期</div><div class="num">${o.overdue}</div></div></div>
    <h2>应建未建</h2>
    ${o.gaps.length ? `<table id="gaps-table"><tr><th>单位</th><th>类型</th><th>应建组织</th><th>应建期限</th><th>逾期</th><th>依据</th></tr>${gaps}</table>`
      : `<p class="notice ok" id="gaps-none">没有应建未建的组织。</p>`}
    <h2>组建率与配备率</h2>
    <table id="rates-table"><tr><th>指标</th><th>已建 / 应建</th><th>比率</th><th>县里目标</th><th>是否达标</th></tr>${rates}</table>`;
}

async function unitsPage() {
  const { units } = await api("GET", "/api/units");
  main.innerHTML = `<h1>单位 <span class="muted" style="font-size:14px">共 ${units.length} 个</span></h1>
    <p><input id="search" placeholder="搜索单位名称或类型" size="30"> <a href="#/units/new"><button type="button">添加单位</button></a></p>
    <table id="units-table"><thead><tr><th>单位</th><th>类型</th>${units[0] ? units[0].orgs.map((o) => `<th>${esc(o.label)}</th>`).join("") : ""}<th>应建未建</th></tr></thead>
    <tbody>${units.map((u) => `<tr data-id="${esc(u.id)}" data-search="${esc(u.name + " " + u.kind_label)}">
      <td><a href="#/units/${esc(u.id)}">${esc(u.name)}</a></td><td>${esc(u.kind_label)}</td>
      ${u.orgs.map((o) => `<td class="${o.formed ? "yes" : "no"}">${o.formed ? "已建" : "未建"}</td>`).join("")}
      <td class="${u.missing.length ? "overdue" : ""}">${u.missing.map((m) => esc(m.missing_label)).join("、") || "—"}</td></tr>`).join("")}</tbody></table>`;
  document.getElementById("search").addEventListener("input", (ev) => {
    const q = ev.target.value.trim();
    for (const tr of document.querySelectorAll("#units-table tbody tr")) tr.hidden = q && !tr.dataset.search.includes(q);
  });
}

// A unit's editable fields as a form; `fields` fills it in.
function unitForm(id, fields, button) {
  const input = ([key, label, type]) => {
    const value = fields?.[key] ?? "";
    const control = type === "kind"
      ? `<select name="kind">${KINDS.map(([k, l]) => `<option value="${k}" ${k === value ? "selected" : ""}>${l}</option>`).join("")}</select>`
      : `<input name="${key}" type="${type}" value="${esc(value)}">`;
    return `<label data-field="${key}">${label}${control}</label>`;
  };
  return `<form id="${id}" class="grid">${UNIT_FIELDS.map(input).join("")}
    <div class="actions"><div class="form-problem problem"></div><button id="${id}-save" class="primary" type="submit">${button}</button></div></form>`;
}

function formValues(form) {
  const out = {};
  for (const [key, , type] of UNIT_FIELDS) {
    const raw = form.elements[key].value.trim();
    out[key] = raw === "" ? null : type === "number" && /^\d+$/.test(raw) ? Number(raw) : raw;
  }
  return out;
}

// A refused entry: each problem beside its field, the rest above the button.
function showProblems(root, err) {
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

function newUnitPage() {
  main.innerHTML = `<h1>添加单位</h1>${unitForm("unit-form", { kind: "village" }, "保存")}`;
  const form = document.getElementById("unit-form");
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    try {
      const { id } = await api("POST", "/api/units", formValues(form));
      location.hash = `#/units/${id}`;
    } catch (e) { showProblems(form, e); }
  });
}

async function unitPage(id) {
  const u = await api("GET", `/api/units/${encodeURIComponent(id)}`);
  const orgs = u.orgs.map((o) => {
    const field = ORG_FIELD[o.org];
    const est = u.fields[field]?.established;
    return `<div class="org ${o.formed ? "formed" : "missing"}" data-org="${o.org}">
      <b>${esc(o.label)}</b> <span class="${o.formed ? "yes" : "no"} state">${o.formed ? "已建" : "未建"}</span>
      ${est ? `<div class="muted">成立于 ${esc(est)}</div>` : ""}
      ${o.formed ? "" : `<form><label data-field="${field}.established">成立日期<input type="date" name="established"></label>
        <button type="submit" class="record">记为已建</button></form>`}</div>`;
  }).join("");
  const gaps = u.missing.length
    ? `<p class="notice" id="unit-gaps">应建未建：${u.missing.map((m) => `${esc(m.missing_label)}（${esc(m.rule)}）`).join("；")}</p>`
    : `<p class="notice ok" id="unit-gaps">该单位没有应建未建的组织。</p>`;
  main.dataset.unit = id;
  main.innerHTML = `<h1>${esc(u.name)} <span class="muted" style="font-size:14px">${esc(u.kind_label)}</span></h1>
    ${gaps}<h2>组织</h2><div class="orgs">${orgs}</div><div class="form-problem problem" id="org-problem"></div>
    <h2>单位信息</h2>${unitForm("edit-form", u.fields, "保存修改")}`;
  for (const div of main.querySelectorAll(".org form")) {
    div.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const org = div.closest(".org").dataset.org;
      const date = div.elements.established.value || null;
      try {
        await api("PATCH", `/api/units/${encodeURIComponent(id)}`, { [ORG_FIELD[org]]: { formed: true, established: date } });
        await unitPage(id);
        refreshStatus();
      } catch (e) { showProblems(main, e); }
    });
  }
  const form = document.getElementById("edit-form");
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    try {
      await api("PATCH", `/api/units/${encodeURIComponent(id)}`, formValues(form));
      await unitPage(id);
      document.querySelector("#edit-form .form-problem").textContent = "已保存";
      refreshStatus();
    } catch (e) { showProblems(form, e); }
  });
}

async function route() {
  const status = await refreshStatus();
  if (!status || status.setup_needed) return;
  const hash = location.hash || "#/overview";
  const [, page, id] = hash.split("/");
  const key = page === "units" && id === "new" ? "new" : page;
  for (const a of document.querySelectorAll("#nav a")) a.classList.toggle("on", a.dataset.page === key);
  // Says which unit the page shows, once it does (scripts and tests wait on it).
  delete main.dataset.unit;
  try {
    if (page === "units" && id === "new") newUnitPage();
    else if (page === "units" && id) await unitPage(decodeURIComponent(id));
    else if (page === "units") await unitsPage();
    else await overviewPage();
  } catch (e) {
    main.innerHTML = `<p class="notice">${esc(e.message)}</p>`;
  }
}

window.addEventListener("hashchange", route);
setInterval(refreshStatus, 3000);
route();
