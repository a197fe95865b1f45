// What every page shares: the token, the API call, downloads, escaping,
// the words for percentages and times, the date toolbar, and what a page
// leaves running (timers) that must stop when another page is shown.
// Pages never compute a figure: they show what /api/… gives.

export const main = document.getElementById("main");

// The token stays in this browser (localStorage) and travels only in the
// Authorization header: never in a URL, where proxies and history keep it.
// A link may carry it in the fragment (#token=…), which is not sent to the
// server; it is moved to storage and removed from the address bar.
const STORE = "qunjian-token";
export function takeTokenFromFragment() {
  const m = location.hash.match(/token=([^&]+)/);
  if (m) {
    localStorage.setItem(STORE, decodeURIComponent(m[1]));
    history.replaceState(null, "", location.pathname);
  }
}
export function token() { return localStorage.getItem(STORE) || ""; }
export function setToken(t) { if (t) localStorage.setItem(STORE, t); else localStorage.removeItem(STORE); }

// A refused token: the app shows the sign-in form.
export class SignedOut extends Error {}

// GET `path` as JSON; an error says what the server said.
export async function api(path) {
  let res;
  try {
    res = await fetch(path, { headers: { Authorization: "Bearer " + token() } });
  } catch (e) {
    throw new Error("无法连接服务器 (cannot reach the server)");
  }
  if (res.status === 401) throw new SignedOut("令牌无效或已被吊销");
  const body = await res.json().catch(() => ({ error: `服务器返回 ${res.status}` }));
  if (!res.ok) throw new Error(body.error || String(res.status));
  return body;
}

// Fetch an export with the token and save it under the server's name.
export async function download(path) {
  const res = await fetch(path, { headers: { Authorization: "Bearer " + token() } });
  if (!res.ok) {
    const body = await res.json().catch(() => ({}));
    alert(body.error || res.statusText);
    return;
  }
  const disposition = res.headers.get("Content-Disposition") || "";
  const utf8 = disposition.match(/filename\*=UTF-8''([^;]+)/);
  const plain = disposition.match(/filename="([^"]+)"/);
  const name = utf8 ? decodeURIComponent(utf8[1]) : (plain ? plain[1] : path.split("/").pop().split("?")[0]);
  const a = document.createElement("a");
  a.href = URL.createObjectURL(await res.blob());
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10000);
}

export function esc(s) {
  return String(s ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}

export function pct(x) { return x == null ? "—" : (x * 100).toFixed(1) + "%"; }

// An RFC 3339 time as this computer's local time, to the minute.
export function localTime(iso) {
  if (!iso) return "从未";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const p = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
}

// "3 天前", "今天", "从未联系": how long ago, in the API's whole days.
export function daysAgo(days) {
  if (days == null) return "从未联系";
  return days === 0 ? "今天" : `${days} 天前`;
}

// `?as_of=…&year=…` from the page's parameters (only those set).
export function query(params, extra = {}) {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries({ ...params, ...extra })) if (v) p.set(k, v);
  const s = p.toString();
  return s ? "?" + s : "";
}

// The date toolbar of a page: 截至日期 (and 年度 when asked); 查询 puts
// them in the address (`#/overview?as_of=…`), so a link or a reload keeps
// them, and the router draws the page again.
export function toolbar(params, { year = false, extra = "" } = {}) {
  return `<form class="toolbar" id="dates">
    <label>截至日期<input type="date" name="as_of" value="${esc(params.as_of || "")}"></label>
    ${year ? `<label>年度<input type="number" name="year" min="1900" max="2999" placeholder="今年" value="${esc(params.year || "")}" style="width:90px"></label>` : ""}
    <button type="submit">查询</button>${extra}</form>`;
}

export function bindToolbar() {
  const form = document.getElementById("dates");
  form?.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const p = {};
    for (const [k, v] of new FormData(form)) if (v) p[k] = v;
    location.hash = location.hash.split("?")[0] + query(p);
  });
}

// Timers a page starts; the router stops them when the page is left.
const timers = [];
export function every(ms, fn) { timers.push(setInterval(fn, ms)); }
export function stopTimers() { while (timers.length) clearInterval(timers.pop()); }

// What the print view's heading says: the page and its date.
export function printHead(title, asOf) {
  document.getElementById("print-title").textContent = title;
  document.getElementById("print-when").textContent = asOf ? `截至 ${asOf}` : "";
}
