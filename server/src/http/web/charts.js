// The charts, drawn by Apache ECharts (vendored, /vendor/echarts-*.js)
// with its SVG renderer, so a chart prints as sharp as the text. Each
// function takes a container and the API's own series and draws them as
// they come; the only arithmetic here is the axes' reach. Charts are
// disposed when the page is left, resized with their panel on screen, and
// carry a viewBox so the print view scales them to the paper.

import { esc, pct } from "./common.js";

const RED = "#b91c1c";
const GREEN = "#057a55";
const GREY = "#9ca3af";
const GOLD = "#d97706";
const BLUE = "#2563eb";
const FONT = '"WenQuanYi Micro Hei", "Microsoft YaHei", "PingFang SC", sans-serif';

const drawn = [];

// Draw `option` into `el`; `onClick(params)` follows a click on a bar.
export function draw(el, option, onClick) {
  const chart = echarts.init(el, null, { renderer: "svg" });
  chart.setOption({ animation: false, textStyle: { fontFamily: FONT }, ...option });
  const fit = () => {
    const svg = el.querySelector("svg");
    if (svg) svg.setAttribute("viewBox", `0 0 ${chart.getWidth()} ${chart.getHeight()}`);
  };
  fit();
  chart.on("finished", fit);
  if (onClick) {
    chart.on("click", onClick);
    el.style.cursor = "pointer";
  }
  const observer = new ResizeObserver(() => {
    if (!matchMedia("print").matches) chart.resize();
  });
  observer.observe(el);
  drawn.push({ chart, observer });
  return chart;
}

export function disposeAll() {
  while (drawn.length) {
    const { chart, observer } = drawn.pop();
    observer.disconnect();
    chart.dispose();
  }
}

// A bar's count beside it, none for 0 (a row of zeros says nothing).
const countLabel = { show: true, position: "right", fontSize: 11, formatter: (p) => (p.value ? String(p.value) : "") };

const percentAxis = { type: "value", min: 0, max: 1, axisLabel: { formatter: (v) => `${Math.round(v * 100)}%` } };
const categoryAxis = (labels, width = 180) => ({
  type: "category", data: labels, inverse: true,
  axisLabel: { width, overflow: "truncate", fontSize: 12 }, axisTick: { show: false },
});

// Rates against their targets: a bar per rate (green met, red missed, grey
// nothing required) and a black tick at its target.
export function rates(el, rates, onClick) {
  const bars = rates.map((r) => ({
    value: r.rate,
    met: r.met,
    itemStyle: { color: r.met === false ? RED : r.met ? GREEN : GREY },
  }));
  return draw(el, {
    grid: { left: 214, right: 84, top: 28, bottom: 24 },
    legend: { top: 0, data: ["实际比率", "目标"], itemWidth: 14 },
    tooltip: {
      trigger: "axis", axisPointer: { type: "shadow" },
      formatter: (ps) => {
        const r = rates[ps[0].dataIndex];
        return `${esc(r.label_zh)}<br>实际 ${pct(r.rate)}（${r.formed}/${r.required}）<br>目标 ${pct(r.target_rate)}<br>${r.met == null ? "无应建" : r.met ? "达标" : "<b>未达标</b>"}`;
      },
    },
    xAxis: percentAxis,
    yAxis: categoryAxis(rates.map((r) => r.label_zh), 204),
    series: [
      {
        name: "实际比率", type: "bar", data: bars, barWidth: 12, itemStyle: { color: GREEN },
        label: {
          show: true, position: "right", fontSize: 11,
          formatter: (p) => (p.data.value == null ? "无应建" : pct(p.data.value) + (p.data.met === false ? " 未达标" : "")),
          color: "#374151",
        },
      },
      {
        name: "目标", type: "scatter", data: rates.map((r, i) => [r.target_rate, i]),
        symbol: "rect", symbolSize: [3, 20], itemStyle: { color: "#111827" }, z: 5,
      },
    ],
  }, onClick);
}

// 应建未建 by organization: how many, and how many of them overdue.
export function gapsByOrg(el, gaps, onClick) {
  return draw(el, {
    grid: { left: 120, right: 40, top: 28, bottom: 24 },
    legend: { top: 0, data: ["应建未建", "其中已逾期"], itemWidth: 14 },
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
    xAxis: { type: "value", minInterval: 1 },
    yAxis: categoryAxis(gaps.map((g) => g.label_zh), 110),
    series: [
      { name: "应建未建", type: "bar", data: gaps.map((g) => g.count), itemStyle: { color: GOLD }, barGap: "10%", label: countLabel },
      { name: "其中已逾期", type: "bar", data: gaps.map((g) => g.overdue), itemStyle: { color: RED }, label: countLabel },
    ],
  }, onClick);
}

// One group's 推优 by step, widest first, with its quota as two lines
// (计划下限, 计划上限) when the county's plan sets one.
export function funnel(el, stages, group) {
  const q = group.quota;
  const top = Math.max(...group.counts, q ? q.max : 0, 1);
  const data = group.counts.map((n, i) => ({
    value: n,
    itemStyle: { color: i === 0 && q && !q.met ? RED : i === 0 ? BLUE : "#60a5fa" },
  }));
  return draw(el, {
    grid: { left: 100, right: 50, top: q ? 36 : 12, bottom: 24 },
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
    xAxis: { type: "value", minInterval: 1, max: Math.ceil(top * 1.08) },
    yAxis: categoryAxis(stages.map((s) => s.label_zh), 90),
    series: [{
      name: group.label_zh, type: "bar", data, barWidth: 14,
      label: { show: true, position: "right", fontSize: 11 },
      markLine: q ? {
        symbol: "none", silent: true,
        lineStyle: { color: RED, type: "dashed", width: 1.5 },
        // The category axis runs downwards: "start" is the top.
        label: { position: "start", formatter: (p) => p.name, color: RED, fontSize: 11 },
        data: [{ xAxis: q.min, name: `下限${q.min}` }, { xAxis: q.max, name: `上限${q.max}` }],
      } : undefined,
    }],
  });
}

// Activities by month: how many (bars) and how many took part (line).
export function months(el, months) {
  return draw(el, {
    grid: { left: 44, right: 50, top: 30, bottom: 24 },
    legend: { top: 0, data: ["活动次数", "参加人次"], itemWidth: 14 },
    tooltip: { trigger: "axis" },
    xAxis: { type: "category", data: months.map((m) => `${Number(m.month.slice(5))}月`) },
    yAxis: [{ type: "value", minInterval: 1, name: "次" }, { type: "value", minInterval: 1, name: "人次", splitLine: { show: false } }],
    series: [
      { name: "活动次数", type: "bar", data: months.map((m) => m.activities), itemStyle: { color: BLUE }, barMaxWidth: 28 },
      { name: "参加人次", type: "line", yAxisIndex: 1, data: months.map((m) => m.participants), itemStyle: { color: GOLD } },
    ],
  });
}

// A share of each group against the plan's range (a green band).
export function shares(el, groups, key, range, title) {
  const data = groups.map((g) => ({
    value: g[`${key}_share`],
    itemStyle: { color: g[`${key}_in_range`] === false ? RED : g[`${key}_in_range`] ? GREEN : GREY },
  }));
  return draw(el, {
    grid: { left: 44, right: 20, top: 30, bottom: 24 },
    tooltip: { trigger: "axis", valueFormatter: pct },
    xAxis: { type: "category", data: groups.map((g) => g.label_zh), axisLabel: { fontSize: 11, interval: 0 } },
    yAxis: { ...percentAxis, type: "value" },
    series: [{
      name: title, type: "bar", data, barMaxWidth: 36,
      label: { show: true, position: "top", fontSize: 11, formatter: (p) => (p.data.value == null ? "无" : pct(p.data.value)) },
      markArea: {
        silent: true, itemStyle: { color: "rgba(5,122,85,.12)" },
        data: [[{ yAxis: range.min }, { yAxis: range.max }]],
      },
    }],
  });
}

// Each township's 应建未建 (and how many overdue), a click to its page.
export function townshipGaps(el, lines, onClick) {
  return draw(el, {
    grid: { left: 90, right: 40, top: 28, bottom: 24 },
    legend: { top: 0, data: ["应建未建", "其中已逾期"], itemWidth: 14 },
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
    xAxis: { type: "value", minInterval: 1 },
    yAxis: categoryAxis(lines.map((t) => t.name), 80),
    series: [
      { name: "应建未建", type: "bar", data: lines.map((t) => t.gaps), itemStyle: { color: GOLD }, label: countLabel },
      { name: "其中已逾期", type: "bar", data: lines.map((t) => t.overdue), itemStyle: { color: RED }, label: countLabel },
    ],
  }, onClick);
}
