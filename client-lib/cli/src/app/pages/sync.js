// 同步: how syncing with the county stands — online or not, the server,
// changes not yet uploaded, the last attempt with its counts — and, for a
// township without network, bundles carried on a USB stick: export the
// changes the county lacks, import a bundle the county (or another device)
// made.

import { api, edited, esc, localTime, main } from "./common.js";
import { upload } from "./import.js";

// While the page is shown, it follows the background syncs.
let following = null;

export async function show() {
  main.innerHTML = `<h1>同步 <button type="button" id="sync-page-now" class="primary">立即同步</button></h1>
    <div id="sync-state-box"></div>
    <h2>U 盘同步包（没有网络时）</h2>
    <p class="muted">没有网络时，把本机的修改导出成同步包文件，用 U 盘带到县里导入；县里导出的同步包带回来后在这里导入。
      联网时不需要同步包，应用会自动同步。重复导入同一个同步包没有坏处。</p>
    <div class="transfer-cols">
      <section class="transfer-box column">
        <h3>导出</h3>
        <div><button type="button" id="export" class="primary">导出县里还没有的修改</button>
          <button type="button" id="export-all">导出完整文档</button></div>
        <div id="export-result"></div>
      </section>
      <section class="transfer-box column">
        <h3>导入</h3>
        <div><input type="file" id="bundle-file" accept=".qjb">
          <button type="button" id="bundle-import" class="primary">导入同步包</button></div>
        <div id="bundle-result"></div>
      </section>
    </div>`;
  await refresh();
  main.dataset.sync = "shown";
  clearInterval(following);
  following = setInterval(() => {
    if (main.dataset.sync) refresh().catch(() => {});
    else clearInterval(following);
  }, 3000);

  document.getElementById("sync-page-now").addEventListener("click", async (ev) => {
    ev.target.disabled = true;
    ev.target.textContent = "正在同步…";
    try {
      await api("POST", "/api/sync");
    } finally {
      ev.target.disabled = false;
      ev.target.textContent = "立即同步";
    }
    await refresh();
    edited();
  });
  document.getElementById("export").addEventListener("click", (ev) => exportBundle(ev.target, false));
  document.getElementById("export-all").addEventListener("click", (ev) => exportBundle(ev.target, true));
  document.getElementById("bundle-import").addEventListener("click", importBundle);
}

// One sync as it ended: when, how it went, the changes each way.
function resultRows(r) {
  if (!r) return `<tr><td colspan="2" class="muted">本次启动后还没有同步过。</td></tr>`;
  const outcome = r.error
    ? `<span class="no">未成功：${esc(r.error)}</span>`
    : `<span class="yes">成功</span>，发送 <b class="sent">${r.sent}</b> 个修改，收到 <b class="received">${r.received}</b> 个修改`;
  return `<tr><th>时间</th><td>${esc(localTime(r.at))}（用时 ${r.seconds} 秒）</td></tr>
    <tr><th>结果</th><td>${outcome}</td></tr>
    ${r.rules_error ? `<tr><th>县里的规则</th><td class="muted">未能更新，仍用上次的规则：${esc(r.rules_error)}</td></tr>` : ""}`;
}

async function refresh() {
  const s = await api("GET", "/api/transfer");
  const box = document.getElementById("sync-state-box");
  if (!box) return;
  const state = !s.online ? "离线" : s.syncing ? "同步中" : "在线";
  box.innerHTML = `<div class="cards">
      <div class="card"><div class="muted">连接状态</div><div id="sync-online" class="num ${s.online ? "yes" : "no"}">${state}</div></div>
      <div class="card"><div class="muted">待上传修改</div><div id="sync-unsent-count" class="num">${s.unsent_changes}</div>
        <div class="muted small">${s.all_sent ? "县里已有本机的全部修改" : "联网同步或导出同步包后上传"}</div></div>
      <div class="card"><div class="muted">上次成功同步</div><div class="when">${esc(localTime(s.last_sync))}</div></div>
      <div class="card wide"><div class="muted">县级服务器</div><div class="server">${esc(s.server || "未设置（本副本来自同步包）")}</div></div>
    </div>
    ${s.sync_error ? `<p class="notice">${esc(s.sync_error)}</p>` : ""}
    <div class="transfer-cols">
      <section class="column"><h3>最近一次同步</h3><table id="last-result" class="facts">${resultRows(s.last_result)}</table></section>
      <section class="column"><h3>最近一次有修改往来的同步</h3><table id="last-moved" class="facts">${s.last_moved ? resultRows(s.last_moved)
        : `<tr><td class="muted">本次启动后还没有发送或收到过修改。</td></tr>`}</table></section>
    </div>
    <p class="muted small">应用连着服务器时修改随时往来，所以按“自上次同步以来”计：发送是本机做的修改，收到是从县里或导入的同步包来的修改。</p>`;
  main.dataset.syncAt = s.last_result?.at || "";
}

// The file name the server gave (RFC 5987 `filename*`), else `fallback`.
function fileName(res, fallback) {
  const cd = res.headers.get("content-disposition") || "";
  const m = cd.match(/filename\*=UTF-8''([^;]+)/);
  return m ? decodeURIComponent(m[1]) : fallback;
}

async function exportBundle(button, all) {
  const out = document.getElementById("export-result");
  button.disabled = true;
  try {
    const res = await fetch(`/api/bundle/export${all ? "?all=1" : ""}`);
    if (!res.ok) {
      const data = await res.json().catch(() => ({ error: `服务返回 ${res.status}` }));
      throw new Error(data.error);
    }
    const blob = await res.blob();
    const name = fileName(res, "qunjian.qjb");
    const link = document.createElement("a");
    link.href = URL.createObjectURL(blob);
    link.download = name;
    link.click();
    setTimeout(() => URL.revokeObjectURL(link.href), 60000);
    const whole = res.headers.get("x-qunjian-whole-document") === "true";
    out.innerHTML = `<p id="export-done" class="notice ok">已导出 ${esc(name)}（${blob.size} 字节，${whole ? "完整文档" : "县里还没有的修改"}）。
      请把它从“下载”文件夹复制到 U 盘，带到县里导入。</p>`;
  } catch (e) {
    out.innerHTML = `<p class="problem">${esc(e.message)}</p>`;
  } finally {
    button.disabled = false;
  }
}

async function importBundle(ev) {
  const out = document.getElementById("bundle-result");
  const file = document.getElementById("bundle-file").files[0];
  if (!file) {
    out.innerHTML = `<p class="problem">请先选择同步包文件（.qjb）。</p>`;
    return;
  }
  ev.target.disabled = true;
  try {
    const r = await upload("/api/bundle/import", file);
    out.innerHTML = r.new_changes
      ? `<p id="bundle-done" class="notice ok" data-new="${r.new_changes}">已导入${esc(r.township_name)}（${esc(r.township)}）的 <b>${r.new_changes}</b> 个修改。</p>`
      : `<p id="bundle-done" class="notice" data-new="0">同步包里的修改本机都已有，未改变。</p>`;
    edited();
    await refresh();
  } catch (e) {
    out.innerHTML = `<p id="bundle-refused" class="problem">${esc(e.message)}</p>`;
  } finally {
    ev.target.disabled = false;
  }
}
