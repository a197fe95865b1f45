// 群建县级看板: the shell. Sign-in (the token kept in this browser), who
// is signed in (/api/me), and a hash router that loads each page's module
// (overview.js, township.js, …) when it is first shown. A township token
// sees its own township only: 总览 and the list of townships lead to its
// own page, and no page draws the county's figures for it.

import { SignedOut, api, esc, main, setToken, stopTimers, takeTokenFromFragment, token } from "./common.js";
import { disposeAll } from "./charts.js";

// `#/<page>/…?…` → the module that shows it. Each exports
// `show(parts, params, ctx)`: `parts` the path after the page's name,
// `params` the query (as_of, year, …), `ctx` who is signed in.
const PAGES = {
  overview: "./overview.js",
  township: "./township.js",
  unit: "./unit.js",
  nominations: "./nominations.js",
  sync: "./sync.js",
  reports: "./reports.js",
};
const ROLES = { "county-admin": "县级管理员", "county-viewer": "县级查看", township: "乡镇" };

// Who is signed in: { me, county, own (township code or null), ownName }.
let ctx = null;

async function signIn() {
  const me = await api("/api/me");
  const county = me.county?.name || "本县";
  ctx = { me, county, own: me.township?.code ?? null, ownName: me.township?.name ?? null };
  document.getElementById("county").textContent = ` · ${county}${me.county?.code ? `（${me.county.code}）` : ""}`;
  document.getElementById("me").textContent = `${me.label} · ${ROLES[me.role] || me.role}${me.township ? " · " + me.township.name : ""}`;
  const nav = document.getElementById("nav-township");
  document.getElementById("nav-overview").hidden = !!ctx.own;
  nav.textContent = ctx.own ? "本乡镇" : "乡镇";
  nav.href = ctx.own ? `#/township/${encodeURIComponent(ctx.own)}` : "#/township";
  document.getElementById("nav").hidden = false;
  document.getElementById("who").hidden = false;
}

function loginPage(message) {
  ctx = null;
  document.getElementById("nav").hidden = true;
  document.getElementById("who").hidden = true;
  document.getElementById("county").textContent = "";
  main.innerHTML = `<form class="login" id="login"><h1>请输入访问令牌</h1>
    <p class="muted">令牌由县级管理员用 <code>qunjian-server token create</code> 生成，以 <code>qjt_</code> 开头。
    首次启动服务器时，管理员令牌保存在数据目录的 <code>admin-token</code> 文件中。</p>
    <input name="token" autocomplete="off" spellcheck="false" placeholder="qjt_…">
    <button type="submit" class="primary">进入</button> <span class="error" id="login-error">${esc(message || "")}</span></form>`;
  main.dataset.page = "login";
  document.getElementById("login").addEventListener("submit", (ev) => {
    ev.preventDefault();
    setToken(ev.target.elements.token.value.trim());
    route();
  });
}

// One route at a time, in order: a hash changed while a page is still
// loading draws its page after that one, never both at once.
let routing = Promise.resolve();
function route() {
  routing = routing.then(routeNow, routeNow);
  return routing;
}

async function routeNow() {
  stopTimers();
  disposeAll();
  for (const key of Object.keys(main.dataset)) delete main.dataset[key];
  if (!token()) return loginPage();
  try {
    if (!ctx) await signIn();
  } catch (e) {
    return loginPage(e instanceof SignedOut ? e.message : `无法登录：${e.message}`);
  }
  const [path, search] = (location.hash || "#/overview").slice(2).split("?");
  const [page, ...parts] = path.split("/").map(decodeURIComponent);
  const params = Object.fromEntries(new URLSearchParams(search || ""));
  let name = PAGES[page] ? page : "overview";
  // A township token's 总览 is its own township's page.
  if (ctx.own && (name === "overview" || (name === "township" && parts[0] !== ctx.own))) {
    location.replace(`#/township/${encodeURIComponent(ctx.own)}${search ? "?" + search : ""}`);
    return;
  }
  const navKey = name === "unit" ? "township" : name;
  for (const a of document.querySelectorAll("#nav a")) a.classList.toggle("on", a.dataset.page === navKey);
  main.innerHTML = `<p class="muted">正在加载…</p>`;
  try {
    const module = await import(PAGES[name]);
    await module.show(parts, params, ctx);
  } catch (e) {
    if (e instanceof SignedOut) return loginPage(e.message);
    main.innerHTML = `<p class="notice error" id="page-error">${esc(e.message)}</p>`;
    main.dataset.page = "error";
  }
}

document.getElementById("logout").addEventListener("click", () => {
  setToken("");
  route();
});
document.getElementById("print").addEventListener("click", () => window.print());
window.addEventListener("hashchange", route);
takeTokenFromFragment();
route();
