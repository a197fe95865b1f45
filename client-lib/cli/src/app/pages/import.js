// 导入: an Excel ledger (台账) checked first — which rows would be added,
// updated, or refused and why — and imported only when the person
// confirms; the blank template to download. The confirmation sends the
// same file again (the server keeps nothing between the two).

import { api, edited, esc, main } from "./common.js";

// Send `file` as the request's body; the JSON answer, or an error
// carrying it, as api() does.
export async function upload(path, file) {
  const res = await fetch(path, { method: "POST", body: file });
  const data = await res.json().catch(() => ({ error: `服务返回 ${res.status}` }));
  if (!res.ok) throw Object.assign(new Error(data.error || res.status), { data, status: res.status });
  return data;
}

export async function show() {
  main.innerHTML = `<h1>导入 Excel 台账</h1>
    <ol class="steps muted">
      <li>下载模板，按表头填写（每种记录一个工作表；第 2 行是示例，导入时跳过）。已有的台账也可以，只要表头与模板一致。</li>
      <li>选择填好的文件，先点“检查（不导入）”：看哪些行将新增、将更新、被拒绝以及原因。这一步不改动任何数据。</li>
      <li>确认无误后点“确认导入”。被拒绝的行不导入，改正后重新导入同一文件即可，已导入的行不会重复添加。</li>
    </ol>
    <div class="transfer-box">
      <a id="template-link" href="/api/ledger/template" download><button type="button">下载模板</button></a>
      <input type="file" id="file" accept=".xlsx,.xls,.ods">
      <button type="button" id="check" class="primary">检查（不导入）</button>
      <button type="button" id="confirm" disabled>确认导入</button>
    </div>
    <div id="import-problem" class="problem"></div>
    <div id="import-result"></div>`;
  const input = document.getElementById("file");
  const check = document.getElementById("check");
  const confirm = document.getElementById("confirm");
  const problem = document.getElementById("import-problem");
  const result = document.getElementById("import-result");
  // The file the last dry run checked: only that one may be imported.
  let checked = null;

  input.addEventListener("change", () => {
    checked = null;
    confirm.disabled = true;
    confirm.textContent = "确认导入";
    result.innerHTML = "";
    problem.textContent = "";
    delete main.dataset.import;
  });

  const send = async (path, button) => {
    const file = input.files[0];
    problem.textContent = "";
    if (!file) {
      problem.textContent = "请先选择一个 Excel 文件。";
      return null;
    }
    button.disabled = true;
    try {
      return await upload(path, file);
    } catch (e) {
      problem.textContent = e.message;
      return null;
    } finally {
      button.disabled = false;
    }
  };

  check.addEventListener("click", async () => {
    confirm.disabled = true;
    const report = await send("/api/ledger/dry-run", check);
    if (!report) return;
    checked = input.files[0];
    showReport(result, report);
    const nothing = !report.counts.added && !report.counts.updated;
    confirm.disabled = nothing;
    confirm.className = nothing ? "" : "primary";
    confirm.textContent = report.counts.refused && !nothing
      ? `确认导入（被拒绝的 ${report.counts.refused} 行不导入）` : "确认导入";
    main.dataset.import = "dry-run";
  });

  confirm.addEventListener("click", async () => {
    if (!checked || input.files[0] !== checked) return;
    const report = await send("/api/ledger/import", confirm);
    if (!report) return;
    checked = null;
    confirm.disabled = true;
    confirm.className = "";
    confirm.textContent = "确认导入";
    showReport(result, report);
    edited();
    main.dataset.import = "done";
  });
}

// What a dry run would do, or what an import did.
function showReport(root, r) {
  const c = r.counts;
  const verb = r.dry_run ? { add: "将新增", update: "将更新" } : { add: "新增", update: "更新" };
  const headline = r.dry_run
    ? `检查结果（尚未导入）：${verb.add} ${c.added} 行，${verb.update} ${c.updated} 行，与已有记录相同 ${c.unchanged} 行，拒绝 ${c.refused} 行。`
    : `已导入：新增 ${c.added} 行，更新 ${c.updated} 行，与已有记录相同 ${c.unchanged} 行，拒绝 ${c.refused} 行。`
      + (c.refused ? "被拒绝的行未导入，改正后重新导入同一文件即可。" : "");
  const after = !r.dry_run && (c.added || c.updated)
    ? ` <a href="#/units">查看单位</a> · <a href="#/people">查看人员</a>` : "";
  root.innerHTML = `<p id="import-summary" class="notice ${c.refused ? "" : "ok"}">${esc(headline)}${after}</p>
    ${r.sheets.length ? `<table id="sheets-table" class="counts"><thead><tr><th>工作表</th><th>${verb.add}</th><th>${verb.update}</th><th>相同</th><th>拒绝</th></tr></thead>
      <tbody>${r.sheets.map((s) => `<tr data-sheet="${esc(s.sheet)}"><td>${esc(s.sheet)}</td><td>${s.added}</td><td>${s.updated}</td><td>${s.unchanged}</td>
        <td class="${s.refused ? "no" : ""}">${s.refused}</td></tr>`).join("")}</tbody></table>` : `<p class="muted">文件里没有可导入的行。</p>`}
    ${r.unknown_sheets.length ? `<p class="muted">已跳过不认识的工作表：${r.unknown_sheets.map(esc).join("、")}</p>` : ""}
    ${r.refused.length ? `<h2>被拒绝的行（${c.refused} 行）</h2>
      <table id="refused-table"><thead><tr><th>工作表</th><th>行号</th><th>列</th><th>原因</th></tr></thead>
      <tbody>${r.refused.map((e) => `<tr data-sheet="${esc(e.sheet)}" data-row="${e.row}"><td>${esc(e.sheet)}</td><td>第 ${e.row} 行</td>
        <td>${esc(e.column) || "—"}</td><td class="no">${esc(e.message)}</td></tr>`).join("")}</tbody></table>` : ""}
    ${r.added.length || r.updated.length ? `<h2>${verb.add}与${verb.update}的行</h2>
      <table id="rows-table"><thead><tr><th>工作表</th><th>行号</th><th>名称</th><th>结果</th></tr></thead>
      <tbody>${[...r.added.map((o) => [o, verb.add, "added"]), ...r.updated.map((o) => [o, verb.update, "updated"])].map(([o, what, cls]) =>
        `<tr class="${cls}" data-sheet="${esc(o.sheet)}" data-row="${o.row}"><td>${esc(o.sheet)}</td><td>第 ${o.row} 行</td><td>${esc(o.name)}</td><td>${what}</td></tr>`).join("")}</tbody></table>` : ""}`;
}
