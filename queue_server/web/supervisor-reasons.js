/*
 * 叫号原因 on the supervisor console: GET /api/halls/{hall}/calls/reasons?date=
 * — a day's calls by reason (等候最久, 绿色通道, 预约, 限时事项, 转办回流,
 * 挂起返回, 指定叫号), and the calls that did not go in arrival order: how
 * many waiting tickets each passed over and about how long those waited
 * because of it. A button in the header opens it on today (laid out as
 * 人员绩效, with the same date picker); it reloads every minute while open.
 */
(function () {
  "use strict";

  const { $, el, button } = StaffUi;
  const Core = SupervisorCore;
  const hall = document.body.dataset.hall;
  const path = `/api/halls/${encodeURIComponent(hall)}/calls/reasons`;
  const EVERY_MS = 60000;
  const SHOWN = 20; // out-of-order calls listed, the costliest first
  const duration = (s) => StaffCore.formatDuration(s) || "—";

  function table(headers, rows) {
    return el("table", "staff-table", [
      el("thead", null, [el("tr", null, headers.map((t, i) => el("th", i > 0 ? "num" : null, t)))]),
      el("tbody", null, rows.map((cells) => el("tr", null, cells.map(([text, cls]) => el("td", cls, text))))),
    ]);
  }

  function byReason(rows) {
    return table(
      ["原因", "叫号数", "越过人次", "被越过者估计多等"],
      rows.map((r) => [
        [r.reason_zh, null],
        [String(r.calls), "num"],
        [String(r.passed), "num"],
        [r.passed ? duration(r.imposed_wait_s) : "—", "num"],
      ]),
    );
  }

  function outOfOrder(calls) {
    return table(
      ["号码", "时间", "窗口", "原因", "越过", "被越过者最长已等", "窗口用时", "估计多等"],
      calls.slice(0, SHOWN).map((c) => [
        [c.number, "staff-no"],
        [(c.at || "").slice(11, 16), "num"],
        [c.window === null ? "—" : `${c.window}号`, "num"],
        [c.reason_zh, "num"],
        [`${c.passed} 人`, "num"],
        [duration(c.longest_passed_wait_s), "num"],
        [c.window_s === null ? "办理中" : duration(c.window_s), "num"],
        [duration(c.imposed_wait_s), "num"],
      ]),
    );
  }

  const picked = el("input", "pick-input pick-day", null, { id: "reasons-date", type: "date", "aria-label": "日期" });
  const sub = el("p", "picker-sub", "", { id: "reasons-day" });
  const body = el("div", "picker-body", null, { id: "reasons-figures" });
  const note = el("p", "staff-note",
    "不按取号先后的叫号：越过了本窗口可叫、取号更早且仍在等候的号码。被越过者估计多等 = 越过人数 × 窗口办理该号所用时间（叫号至办结、过号、转办或挂起）；办理中的号码暂不计入。");
  const dialog = el("dialog", "picker staff-perf", [
    el("h2", "picker-title", "叫号原因"),
    el("div", "pick-row", [picked, sub]),
    body,
    note,
    el("div", "picker-foot", [button("picker-cancel", "关闭（Esc）", () => dialog.close())]),
  ], { id: "call-reasons", "aria-label": "叫号原因" });

  const read = Core.dayReader(Api.call);

  async function load() {
    const answer = await read(path, picked.value);
    if (!answer) return; // a later pick's answer will draw
    if (!answer.ok) {
      sub.textContent = "";
      body.replaceChildren(el("p", "picker-text", StaffCore.describeError(answer, "读取叫号原因")));
      return;
    }
    const d = answer.data;
    picked.value = d.date;
    sub.textContent = `${d.date} · 叫号 ${d.calls} 次，其中不按取号先后 ${d.out_of_order} 次，` +
      `越过 ${d.passed} 人次，被越过者估计共多等 ${duration(d.imposed_wait_s)}`;
    if (!d.calls) {
      body.replaceChildren(el("p", "picker-empty", Core.noneOn(d.date, document.body.dataset.today, "叫号")));
      return;
    }
    const parts = [byReason(d.by_reason)];
    if (d.out_of_order_calls.length) {
      parts.push(el("h3", "picker-text", `不按取号先后的叫号（多等最多的前 ${SHOWN} 个）`));
      parts.push(outOfOrder(d.out_of_order_calls));
    }
    body.replaceChildren(...parts);
  }

  picked.addEventListener("change", load);
  const open = button("export", "叫号原因", () => {
    picked.max = document.body.dataset.today || ""; // each opening starts on today
    picked.value = picked.max;
    dialog.showModal();
    load();
  }, { id: "reasons-open" });
  $("export").before(open);
  document.body.append(dialog);
  setInterval(() => {
    if (dialog.open) load();
  }, EVERY_MS);
})();
