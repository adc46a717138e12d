/*
 * A green channel the visitor declared at the kiosk (现役军人, 残疾人, 孕妇 …):
 * the clerk sees 「现役军人及军属（待核验）」 and, after looking at the papers,
 * confirms it or removes it (POST …/windows/{n}/green-check {confirm}). The
 * ticket is already called: nothing else moves; the figures count a removed
 * claim as a normal ticket.
 *   ClerkGreen.start({hallPath, number, onView})  onView(window view) after a verdict
 *   ClerkGreen.render(ticket)                    draws #green-check for the ticket shown
 */
const ClerkGreen = (() => {
  "use strict";

  const { el, button } = StaffUi;
  const VERDICT_ZH = { confirmed: "已确认", removed: "已取消绿色通道" };
  let options = null;
  let sending = false;

  function start(given) {
    options = given;
  }

  function render(ticket) {
    const box = document.getElementById("green-check");
    const check = ticket && ticket.green_check;
    box.hidden = !check;
    if (!check) return;
    const group = ticket.green_group || "绿色通道";
    box.dataset.check = check;
    if (check !== "claimed") {
      box.replaceChildren(el("p", "green-check-text", `${group}：${VERDICT_ZH[check] || check}`));
      return;
    }
    box.replaceChildren(
      el("p", "green-check-text", `${group}（待核验）`),
      el("p", "muted", "办事人在取号机上自述，请核验相关证件"),
      el("div", "green-check-actions", [
        button("primary", "确认", () => send(true), { "data-testid": "green-confirm" }),
        button("danger", "取消绿色通道", () => send(false), { "data-testid": "green-remove" }),
      ]),
    );
  }

  async function send(confirm) {
    if (sending || !options) return;
    sending = true;
    const path = `${options.hallPath}/windows/${options.number}/green-check`;
    const result = await Api.call("POST", path, { confirm });
    sending = false;
    if (!result.ok) {
      StaffUi.showMessage(StaffCore.describeError(result, "核验绿色通道"), "error");
      return;
    }
    StaffUi.showMessage(confirm ? "已确认绿色通道" : "已取消绿色通道，按普通号统计", "ok");
    options.onView(result.data);
  }

  return Object.freeze({ start, render });
})();
