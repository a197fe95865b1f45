// 同步: each township's last contact and the devices online now, read
// again every two seconds while the page is shown, so a township coming
// online is seen without a reload. The figures are the `sync` report's.

import { api, daysAgo, esc, every, localTime, main, printHead, query } from "./common.js";
import { reportCard } from "./table.js";

const EVERY_MS = 2000;

function townCard(r, q) {
  const online = r.connected_now > 0;
  return `<div class="town ${online ? "online" : r.stale ? "stale" : ""}" data-code="${esc(r.township_code)}" data-online="${r.connected_now}">
    <b><a href="#/township/${encodeURIComponent(r.township_code)}${q}">${esc(r.township)}</a></b>
    <div><span class="dot"></span>${online ? `在线 <b>${r.connected_now}</b> 台设备` : "无设备在线"}</div>
    <div class="muted small">最近联系 ${esc(localTime(r.last_contact))}${r.last_contact ? `（${esc(daysAgo(r.days_since_contact))}）` : ""}</div>
    ${r.stale ? `<div class="bad small">超过 7 天未同步</div>` : ""}
    ${r.read_error ? `<div class="bad small">文档无法读取</div>` : ""}</div>`;
}

export async function show(parts, params, ctx) {
  const q = query(params);
  main.innerHTML = `<h1>同步 <span class="muted small">${esc(ctx.own ? ctx.ownName : ctx.county)} · 每 2 秒自动刷新 · <span id="sync-refreshed"></span></span></h1>
    <div class="towns" id="towns"></div><div id="sync-table"></div>`;
  printHead(`${ctx.own ? ctx.ownName : ctx.county} 同步情况`, null);
  let last = "";
  const refresh = async () => {
    const body = await api(`/api/reports/sync${q}`);
    document.getElementById("sync-refreshed").textContent = `刷新于 ${new Date().toLocaleTimeString("zh-CN", { hour12: false })}`;
    const now = JSON.stringify(body.rows);
    if (now === last) return;
    last = now;
    document.getElementById("towns").innerHTML = body.rows.map((r) => townCard(r, q)).join("");
    document.getElementById("sync-table").replaceChildren(reportCard(body, q));
  };
  await refresh();
  every(EVERY_MS, () => refresh().catch((e) => {
    const at = document.getElementById("sync-refreshed");
    if (at) at.textContent = `刷新失败：${e.message}`;
  }));
  main.dataset.page = "sync";
}
