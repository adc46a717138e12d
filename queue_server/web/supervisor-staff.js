/*
 * 人员绩效 on the supervisor console: a day's figures per staff member from
 * the `staff` of GET /api/halls/{hall}/stats?date= — 办件数, mean and P90
 * handling time, idle share, 过号, and the ratings of what they finished. A
 * button in the header opens the table on today; its date picker reads a past
 * day. It reloads every minute while open.
 *
 * Idle share is the time signed in at a window with no ticket in hand. A
 * sign-in whose end is not on record (logged out without signing out) runs
 * to the member's last action, so its share is a lower bound: marked "≥".
 */
(function () {
  "use strict";

  const { $, el, button } = StaffUi;
  const Core = SupervisorCore;
  const hall = document.body.dataset.hall;
  const path = `/api/halls/${encodeURIComponent(hall)}/stats`;
  const EVERY_MS = 60000;
  const HEADERS = ["工号", "姓名", "办件数", "平均办理", "P90 办理", "空闲占比", "过号", "评价数", "好评率", "差评"];

  /** 270 -> "4分30秒"; null -> "—". */
  function duration(seconds) {
    if (seconds === null || seconds === undefined) return "—";
    const s = Math.round(seconds);
    const m = Math.floor(s / 60);
    if (m === 0) return `${s}秒`;
    if (m >= 60) return `${Math.floor(m / 60)}小时${String(m % 60).padStart(2, "0")}分`;
    return s % 60 ? `${m}分${s % 60}秒` : `${m}分`;
  }

  const share = (value) => (value === null || value === undefined ? "—" : `${Math.round(value * 100)}%`);

  function idle(row) {
    if (row.idle_share === null) return "—";
    return (row.open_sign_ins ? "≥" : "") + share(row.idle_share);
  }

  function line(row) {
    const r = row.ratings;
    const cells = [
      [row.staff_no, "staff-no"],
      [row.name || "—", "staff-name"],
      [String(row.served), "num"],
      [duration(row.handling_s.mean), "num"],
      [duration(row.handling_s.p90), "num"],
      [idle(row), "num"],
      [String(row.no_show), "num"],
      [String(r.count), "num"],
      [share(r.good_share), "num"],
      [String(r.bad), r.bad ? "num bad" : "num"],
    ];
    return el("tr", null, cells.map(([text, cls]) => el("td", cls, text)), { "data-staff": row.staff_no });
  }

  const picked = el("input", "pick-input pick-day", null, { id: "staff-date", type: "date", "aria-label": "日期" });
  const sub = el("p", "picker-sub", "", { id: "staff-day" });
  const body = el("div", "picker-body", null, { id: "staff-figures" });
  const note = el("p", "staff-note",
    "空闲占比 = 在窗口签到期间手上没有号的时间 ÷ 签到时长；未签退即退出登录的，按其最后一次操作计，标“≥”。评价为其办结号码所得。");
  const dialog = el("dialog", "picker staff-perf", [
    el("h2", "picker-title", "人员绩效"),
    el("div", "pick-row", [picked, sub]),
    body,
    note,
    el("div", "picker-foot", [button("picker-cancel", "关闭（Esc）", () => dialog.close())]),
  ], { id: "staff-perf", "aria-label": "人员绩效" });

  const read = Core.dayReader(Api.call);

  async function load() {
    const answer = await read(path, picked.value);
    if (!answer) return; // a later pick's answer will draw
    if (!answer.ok) {
      sub.textContent = "";
      body.replaceChildren(el("p", "picker-text", StaffCore.describeError(answer, "读取人员绩效")));
      return;
    }
    const { date, staff } = answer.data;
    const rows = staff || [];
    picked.value = date;
    sub.textContent = `${date} · ${rows.length} 人`;
    if (!rows.length) {
      const none = Core.noneOn(date, document.body.dataset.today, "工作人员签到或办件");
      body.replaceChildren(el("p", "picker-empty", none));
      return;
    }
    body.replaceChildren(el("table", "staff-table", [
      el("thead", null, [el("tr", null, HEADERS.map((t, i) => el("th", i > 1 ? "num" : null, t)))]),
      el("tbody", null, rows.map(line)),
    ]));
  }

  picked.addEventListener("change", load);
  const open = button("export", "人员绩效", () => {
    picked.max = document.body.dataset.today || ""; // each opening starts on today
    picked.value = picked.max;
    dialog.showModal();
    load();
  }, { id: "staff-open" });
  $("export").before(open);
  document.body.append(dialog);
  setInterval(() => {
    if (dialog.open) load();
  }, EVERY_MS);
})();
