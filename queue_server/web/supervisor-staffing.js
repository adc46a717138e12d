/*
 * 排班建议 on the supervisor console (GET /api/halls/{hall}/staffing?date=):
 * for a chosen day (tomorrow at first), per half-hour the forecast arrivals,
 * the work in window-minutes, the windows to open and the expected mean wait,
 * as bars and a table, with the history days the forecast used, and a muted
 * line when the day is past the years the holiday calendar knows.
 *
 * A script of its own beside supervisor.js: a header button opens a dialog.
 * bars() is pure (numbers in, shapes out); the drawing is a transcription.
 */
(function () {
  "use strict";

  const { $, el, button } = StaffUi;
  const hall = document.body.dataset.hall;
  const path = `/api/halls/${encodeURIComponent(hall)}/staffing`;
  const SVG = "http://www.w3.org/2000/svg";
  const HEADERS = ["时段", "预测取号（人）", "工作量（窗口·分）", "建议开窗", "预计平均等候", "目标内叫号"];
  const CHART = { width: 1100, height: 220, left: 40, right: 10, top: 22, bottom: 30 };

  // A stylesheet of its own, beside the script (same version).
  const own = document.currentScript ? new URL(document.currentScript.src) : null;
  document.head.append(el("link", null, null, {
    rel: "stylesheet",
    href: `${document.body.dataset.base || ""}/static/supervisor-staffing.css${own ? own.search : ""}`,
  }));

  /** Bars of recommended windows per slot, in a CHART-sized box. */
  function bars(slots) {
    const n = Math.max(1, slots.length);
    const plotW = CHART.width - CHART.left - CHART.right;
    const plotH = CHART.height - CHART.top - CHART.bottom;
    const top = Math.max(1, ...slots.map((s) => s.windows));
    const slotW = plotW / n;
    const every = Math.ceil(n / 16); // a round-the-clock day has 48 slots: a time under every third
    return slots.map((s, i) => {
      const h = (s.windows / top) * plotH;
      return {
        x: CHART.left + i * slotW + slotW * 0.15,
        y: CHART.top + plotH - h,
        w: slotW * 0.7,
        h,
        label: String(s.windows),
        tick: i % every === 0 ? s.start : "",
        short: s.short,
      };
    });
  }

  function svg(name, attrs, text) {
    const node = document.createElementNS(SVG, name);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function chart(slots) {
    const box = svg("svg", {
      class: "staffing-chart",
      viewBox: `0 0 ${CHART.width} ${CHART.height}`,
      role: "img",
      "aria-label": "各时段建议开窗数",
    });
    const base = CHART.height - CHART.bottom;
    box.append(svg("line", { x1: CHART.left, x2: CHART.width - CHART.right, y1: base, y2: base, class: "axis" }));
    for (const b of bars(slots)) {
      box.append(svg("rect", { x: b.x, y: b.y, width: b.w, height: b.h, class: b.short ? "bar short" : "bar" }));
      box.append(svg("text", { x: b.x + b.w / 2, y: b.y - 5, class: "value" }, b.label));
      if (b.tick) box.append(svg("text", { x: b.x + b.w / 2, y: base + 18, class: "tick" }, b.tick));
    }
    return box;
  }

  const pct = (v) => `${Math.round(v * 100)}%`;

  function row(s) {
    const cells = [
      [`${s.start}-${s.end}`, null],
      [s.arrivals.toFixed(1), "num"],
      [s.work_minutes.toFixed(0), "num"],
      [String(s.windows) + (s.short ? "（超出窗口数）" : ""), s.short ? "num short" : "num windows"],
      [`${s.mean_wait_minutes.toFixed(1)} 分`, "num"],
      [pct(s.within_target_share), "num"],
    ];
    return el("tr", null, cells.map(([t, cls]) => el("td", cls, t)), { "data-start": s.start });
  }

  const picked = el("input", "pick-input", null, { id: "staffing-date", type: "date", "aria-label": "日期" });
  const sub = el("p", "picker-sub", "", { id: "staffing-sub" });
  const warning = el("p", "staff-note", "", { id: "staffing-warning", hidden: true });
  const body = el("div", "picker-body staffing-body", null, { id: "staffing-body" });
  const note = el("p", "staff-note",
    "按近 4 周同一星期几的取号记录预测（跳过节假日、调休日和长假后首日；调休工作日按周一，长假后首日上浮 25%），" +
    "按 Erlang C 计算各时段至少开几个窗口，使 80% 的群众在事项目标时间内被叫号。红色柱：超出大厅能办这些事项的窗口数。");
  const form = el("form", "pick-row", [picked, button("primary", "查看", () => load(picked.value), { id: "staffing-look" })]);
  const dialog = el("dialog", "picker staffing", [
    el("h2", "picker-title", "排班建议"),
    form,
    sub,
    warning,
    body,
    note,
    el("div", "picker-foot", [button("picker-cancel", "关闭（Esc）", () => dialog.close())]),
  ], { id: "staffing", "aria-label": "排班建议" });

  async function load(day) {
    const answer = await Api.call("GET", SupervisorCore.dayPath(path, day));
    // The calendar's warning goes with each answer, and is gone with an error.
    warning.textContent = (answer.ok && answer.data.calendar_warning) || "";
    warning.hidden = !warning.textContent;
    if (!answer.ok) {
      sub.textContent = "";
      body.replaceChildren(el("p", "picker-text", StaffCore.describeError(answer, "读取排班建议")));
      return;
    }
    const a = answer.data;
    picked.value = a.date;
    if (a.closed) {
      sub.textContent = `${a.date} ${a.weekday}`;
      body.replaceChildren(el("p", "picker-empty", "当天不办公，无需排班"));
      return;
    }
    const t = a.totals;
    sub.textContent = `${a.date} ${a.weekday} · ${a.kind_zh} · 参考 ${a.history.dates.join("、")}` +
      ` · 预测取号 ${Math.round(t.arrivals)} 人 · 合计 ${t.window_hours} 窗口·小时 · 高峰 ${t.peak_windows} 个窗口` +
      (t.short_slots ? ` · ${t.short_slots} 个时段超出能办这些事项的窗口数（${a.windows_available}）` : "");
    body.replaceChildren(
      chart(a.slots),
      el("table", "staffing-table", [
        el("thead", null, [el("tr", null, HEADERS.map((h, i) => el("th", i ? "num" : null, h)))]),
        el("tbody", null, a.slots.map(row)),
      ]),
    );
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    load(picked.value);
  });
  const open = button("export", "排班建议", () => {
    dialog.showModal();
    load(picked.value);
  }, { id: "staffing-open" });
  $("export").before(open);
  document.body.append(dialog);
})();
