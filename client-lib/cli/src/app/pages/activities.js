// Being built this session: replaced by the page's own module.
import { main } from "./common.js";

export async function show() {
  main.innerHTML = `<p class="notice">此页面正在建设中。</p>`;
}
