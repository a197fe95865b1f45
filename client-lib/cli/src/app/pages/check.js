// 数据检查: the fields two devices wrote differently (each value with who
// wrote it, and a button that keeps it) and what the ledger's checks find,
// from GET /api/check — the same lists as `qunjian check`.
import { api, esc, localTime, main, edited } from "./common.js";

// A record, linked to its page when it has one.
function recordHtml(r) {
  const name = r.link ? `<a href="${esc(r.link)}">${esc(r.name)}</a>` : esc(r.name);
  return `${name}${r.archived ? ` <span class="tag">已归档</span>` : ""}`;
}

// Who wrote a value: the writer's number, when, and what it was doing.
function writerHtml(w) {
  const parts = [`设备 ${esc(w.device)}`];
  if (w.time) parts.push(esc(localTime(w.time)));
  if (w.change) parts.push(esc(w.change));
  return parts.join(" · ");
}

function conflictHtml(c, i) {
  return `<div class="conflict" data-index="${i}" data-map="${esc(c.record.map)}" data-id="${esc(c.record.id)}" data-field="${esc(c.field)}">
    <div class="conflict-what"><span class="tag">${esc(c.record.kind)}</span> ${recordHtml(c.record)}
      <span class="muted">·</span> <b class="conflict-field">${esc(c.field_label)}</b></div>
    <div class="conflict-values">${c.values.map((v, j) => `<div class="conflict-value">
      <div class="shown"><span class="value-text">${esc(v.shown)}</span>${v.current ? ` <span class="tag current">台账目前显示此值</span>` : ""}</div>
      <div class="muted small writer">${writerHtml(v.writer)}</div>
      ${v.keepable
        ? `<button class="keep" type="button" data-value="${j}">保留此值</button>`
        : `<span class="muted small">此项需用命令行 qunjian resolve 处理</span>`}
    </div>`).join("")}</div>
    <div class="problem"></div>
  </div>`;
}

// Findings grouped by the kind of record, in the order the library sorts
// them (by record and field).
function findingsHtml(findings) {
  const groups = new Map();
  for (const f of findings) {
    if (!groups.has(f.record.kind)) groups.set(f.record.kind, []);
    groups.get(f.record.kind).push(f);
  }
  return `<table id="findings-table"><thead><tr><th>记录</th><th>问题类别</th><th>说明</th></tr></thead><tbody>
    ${[...groups].map(([kind, list]) => `<tr class="group"><th colspan="3">${esc(kind)}（${list.length}）</th></tr>
      ${list.map((f) => `<tr class="finding" data-map="${esc(f.record.map)}" data-id="${esc(f.record.id)}" data-rule="${esc(f.rule)}">
        <td>${recordHtml(f.record)}</td><td class="rule">${esc(f.rule_label)}</td><td class="message">${esc(f.message)}</td></tr>`).join("")}`).join("")}
  </tbody></table>`;
}

// The count beside 数据检查 in the menu, as of this page's last look.
function navCount(n) {
  const link = document.querySelector('#nav a[data-page="check"]');
  if (!link) return;
  link.querySelector(".nav-count")?.remove();
  if (n) link.insertAdjacentHTML("beforeend", `<span class="nav-count" title="冲突">${n}</span>`);
}

export async function show(parts, notice = "") {
  const { findings, conflicts } = await api("GET", "/api/check");
  navCount(conflicts.length);
  main.innerHTML = `<h1>数据检查</h1>
    ${notice ? `<p class="notice ok" id="check-notice">${esc(notice)}</p>` : ""}
    <h2>冲突 <span class="count" id="conflicts-count">${conflicts.length}</span></h2>
    ${conflicts.length
      ? `<p class="muted small">两台设备在离线时改了同一项，各自的值都保留了下来。请核实后点「保留此值」，其余的值被替换，同步后各设备一致。</p>
         <div id="conflicts">${conflicts.map(conflictHtml).join("")}</div>`
      : `<p class="notice ok" id="no-conflicts">没有冲突</p>`}
    <h2>发现的问题 <span class="count" id="findings-count">${findings.length}</span></h2>
    ${findings.length
      ? `<p class="muted small">以下记录填写不全或前后矛盾，点记录名称去改正；改正后此处不再列出。</p>${findingsHtml(findings)}`
      : `<p class="notice ok" id="no-findings">没有发现问题</p>`}`;
  for (const button of main.querySelectorAll("button.keep")) {
    button.addEventListener("click", async () => {
      const card = button.closest(".conflict");
      const c = conflicts[Number(card.dataset.index)];
      const v = c.values[Number(button.dataset.value)];
      for (const b of card.querySelectorAll("button")) b.disabled = true;
      try {
        await api("POST", "/api/check/resolve", { map: c.record.map, id: c.record.id, field: c.field, value: v.value });
        edited();
        await show(parts, `已保留「${v.shown}」作为${c.record.name}的${c.field_label}，将随同步传到其他设备。`);
      } catch (e) {
        card.querySelector(".problem").textContent = e.message;
        for (const b of card.querySelectorAll("button")) b.disabled = false;
      }
    });
  }
  main.dataset.check = "shown";
}
