/*
 * The supervisor console's 号码记录 (a ticket's record): a number on the day
 * the date picker holds (today at first; numbers restart every day), or a
 * ticket id, gives every step of its day — time, action, window and the 工号
 * of the member who made it — over all the legs a transfer made
 * (GET /api/halls/{hall}/tickets/{ticket}/transitions?date=). No visitor's
 * data: the record names the number, the service and the staff.
 */
(function () {
  "use strict";

  const { $, el, button } = StaffUi;
  const Core = SupervisorCore;
  const hall = document.body.dataset.hall;
  const ACTION_ZH = {
    issue: "取号",
    call: "叫号",
    recall: "重呼",
    start: "开始办理",
    finish: "办结",
    "no-show": "过号",
    transfer: "转出",
    "transfer-in": "转入（新排队）",
    suspend: "挂起",
    "resume-ticket": "恢复挂起",
    cancel: "取消",
    "close-day": "闭厅未办",
    green_confirmed: "确认绿色通道",
    green_removed: "取消绿色通道",
  };
  // Who made a step that no member made: by the caller's role in the actor.
  const BY_ROLE = { kiosk: "取号机", window: "窗口令牌", supervisor: "主管令牌", admin: "管理员", system: "系统" };

  function by(step) {
    if (step.staff_no) return `工号 ${step.staff_no}`;
    const role = step.actor.split(":")[0];
    return BY_ROLE[role] || role;
  }

  const input = el("input", "pick-input", null, { id: "record-number", placeholder: "号码，如 A023", maxlength: 40 });
  const picked = el("input", "pick-input pick-day", null, { id: "record-date", type: "date", "aria-label": "日期" });
  const result = el("div", "record-result", null, { id: "record-result" });
  const look = button("primary", "查询", () => lookUp(), { id: "record-look" });
  const form = el("form", "pick-row", [input, picked, look]);
  const dialog = el("dialog", "picker record", [
    el("h2", "picker-title", "号码记录"),
    form,
    result,
    el("div", "picker-foot", [button("picker-cancel", "关闭（Esc）", () => dialog.close())]),
  ], { id: "record", "aria-label": "号码记录" });

  const read = Core.dayReader(Api.call);

  async function lookUp() {
    const wanted = input.value.trim();
    if (!wanted) return;
    const path = `/api/halls/${encodeURIComponent(hall)}/tickets/${encodeURIComponent(wanted)}/transitions`;
    const answer = await read(path, picked.value);
    if (!answer) return; // a later question's answer will draw
    if (!answer.ok) {
      result.replaceChildren(el("p", "picker-text", StaffCore.describeError(answer, "查询")));
      return;
    }
    const record = answer.data;
    if (!picked.value) picked.value = record.date; // a pick stays: an id's own day may differ
    const rows = record.steps.map((s) => el("tr", null, [
      el("td", null, s.at ? s.at.slice(11, 19) : ""),
      el("td", null, ACTION_ZH[s.action] || s.action),
      el("td", null, s.window ? `${s.window}号窗口` : "—"),
      el("td", "record-by", by(s)),
    ]));
    result.replaceChildren(
      el("p", "picker-sub", `${record.number} · ${record.service_name} · ${record.date}`),
      el("table", "record-steps", [
        el("thead", null, [el("tr", null, ["时间", "操作", "窗口", "操作人"].map((t) => el("th", null, t)))]),
        el("tbody", null, rows),
      ]),
    );
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    lookUp();
  });
  picked.addEventListener("change", lookUp);
  document.body.append(dialog);
  $("record-open").addEventListener("click", () => {
    picked.max = document.body.dataset.today || ""; // each opening starts on today
    picked.value = picked.max;
    dialog.showModal();
    input.focus();
  });
})();
