// 群建乡镇网页应用: the shell. The header (sync state, always visible),
// the first-start page, and a hash router that loads each page's module
// (overview.js, units.js, …) when it is first shown. Everything a page
// shows comes from the local JSON API, which calls the same library as the
// command line, so a page never computes a figure itself.

import { api, esc, localTime, main } from "./common.js";

// `#/<page>/…` → the module that shows it. Each exports `show(parts)`,
// where `parts` are the hash's path after the page's name.
const PAGES = {
  overview: "./overview.js",
  units: "./units.js",
  people: "./people.js",
  nominations: "./nominations.js",
  activities: "./activities.js",
  honors: "./honors.js",
  visits: "./visits.js",
  exec_links: "./exec_links.js",
  check: "./check.js",
  import: "./import.js",
  sync: "./sync.js",
};

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

// One route at a time, in order: a hash changed while a page is still
// loading draws its page after that one, never both at once.
let routing = Promise.resolve();
function route() {
  routing = routing.then(routeNow, routeNow);
  return routing;
}

async function routeNow() {
  const status = await refreshStatus();
  if (!status || status.setup_needed) return;
  const hash = location.hash || "#/overview";
  // A page may keep its state after a `?` (`#/units?all`).
  const [page, ...parts] = hash.slice(2).split("?")[0].split("/").map(decodeURIComponent);
  const name = PAGES[page] ? page : "overview";
  const navKey = name === "units" && parts[0] === "new" ? "new" : name;
  for (const a of document.querySelectorAll("#nav a")) a.classList.toggle("on", a.dataset.page === navKey);
  // Data attributes say what the page shows once it does (scripts and
  // tests wait on them); a page sets its own.
  for (const key of Object.keys(main.dataset)) delete main.dataset[key];
  try {
    const module = await import(PAGES[name]);
    await module.show(parts);
  } catch (e) {
    main.innerHTML = `<p class="notice">${esc(e.message)}</p>`;
  }
}

window.addEventListener("hashchange", route);
window.addEventListener("qunjian:edited", refreshStatus);
setInterval(refreshStatus, 3000);
route();
