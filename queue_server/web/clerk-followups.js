/*
 * 容缺待补 on the clerk's console: the hall's 容缺受理 follow-ups, soonest due
 * first, overdue in red; 「材料已补齐」 closes one when the visitor brings the
 * missing materials to any window.
 *   ClerkFollowups.start(hallPath)  fills #followups and keeps it fresh
 *   ClerkFollowups.refresh()        after a finish that opened one
 */
const ClerkFollowups = (() => {
  "use strict";

  const { el, button } = StaffUi;
  const EVERY_MS = 60000;
  let path = null;

  function start(hallPath) {
    path = `${hallPath}/followups`;
    refresh();
    setInterval(refresh, EVERY_MS);
  }

  async function refresh() {
    if (!path) return;
    const result = await Api.call("GET", path);
    const box = document.getElementById("followups");
    // A window that may not read them (or an old server) simply shows nothing.
    if (!box || !result.ok || !result.data || !Array.isArray(result.data.followups)) return;
    draw(box, result.data.followups);
  }

  function draw(box, items) {
    box.hidden = !items.length;
    const overdue = items.filter((f) => f.overdue).length;
    const title = `容缺待补 ${items.length} 件` + (overdue ? `（逾期 ${overdue}）` : "");
    box.replaceChildren(el("h2", "followups-title", title), el("ul", "followup-list", items.map(row)));
  }

  function dueText(f) {
    if (f.overdue) return `已逾期 ${-f.days_left} 天（${f.due_date}）`;
    if (f.days_left === 0) return `今天到期`;
    return `${f.due_date} 前（还有 ${f.days_left} 天）`;
  }

  function row(f) {
    const state = f.overdue ? "overdue" : f.days_left <= 1 ? "due-soon" : "";
    const missing = Array.isArray(f.missing) ? f.missing.join("、") : "";
    return el("li", `followup ${state}`.trim(), [
      el("b", "followup-number", f.number || ""),
      el("span", "followup-item", f.service_name || f.service || ""),
      el("span", "followup-missing", `缺：${missing}`),
      el("span", "followup-due", dueText(f)),
      el("span", "followup-by", f.window ? `${f.window}号窗口${f.staff_no ? ` · ${f.staff_no}` : ""}` : ""),
      button("followup-close", "材料已补齐", () => close(f), { "data-ticket": f.ticket_id }),
    ], { "data-number": f.number });
  }

  async function close(f) {
    const yes = await StaffDialogs.confirm(
      `${f.number} 材料已补齐`, `确认 ${f.number} 号（${f.service_name || ""}）所缺材料已收齐？`, "确认补齐");
    if (!yes) return;
    const result = await Api.call("POST", `${path}/${encodeURIComponent(f.ticket_id)}/close`, {});
    StaffUi.showMessage(result.ok ? `${f.number} 容缺材料已补齐` : result.data.message, result.ok ? "ok" : "error");
    refresh();
  }

  return Object.freeze({ start, refresh });
})();
