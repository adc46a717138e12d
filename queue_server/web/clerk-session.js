/*
 * The clerk console on a staff session (no ?token= in the address): the
 * member logged in at /login signs in at this window (签到) before the
 * console acts as it, and signs out (签退) from the header. Not logged in: a
 * link to /login that comes back here. Window taken by another member: the
 * server's words (409 window_taken) say who, and the member may try again.
 *
 *   const who = await ClerkSession.gate(hall, number);  // once signed in here: /api/whoami
 *   ClerkSession.showMember(who, hall, number);          // 工号, name and 签退 in the header
 *
 * <body data-session> is "gate" while the sign-in panel shows, "signed-in" after.
 */
const ClerkSession = (() => {
  "use strict";

  const $ = (id) => document.getElementById(id);
  const RETRY_MS = 3000;

  function windowPath(hall, number) {
    return `/api/halls/${encodeURIComponent(hall)}/windows/${number}`;
  }

  function loginHref(hall) {
    const next = location.pathname + location.search + location.hash;
    return `${Api.root()}/login?hall=${encodeURIComponent(hall)}&next=${encodeURIComponent(next)}`;
  }

  /** The panel in one of its shapes: `action` is "login", "sign-in" or null. */
  function panel(title, message, action, hall) {
    document.body.dataset.session = "gate";
    $("session-gate").hidden = false;
    $("gate-title").textContent = title;
    $("gate-message").textContent = message || "";
    $("gate-login").hidden = action !== "login";
    $("gate-login").href = loginHref(hall);
    $("gate-sign-in").hidden = action !== "sign-in";
    $("gate-sign-in").disabled = false;
  }

  function clicked(button) {
    return new Promise((resolve) => button.addEventListener("click", resolve, { once: true }));
  }

  const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  /** Resolves with /api/whoami once this session is signed in at window `number`. */
  async function gate(hall, number) {
    let refusal = "";
    for (;;) {
      const who = await Api.call("GET", "/api/whoami");
      if (who.status === 0) {
        panel("正在连接服务器…", "网络连接失败，稍后自动重试", null, hall);
        await pause(RETRY_MS);
        continue;
      }
      if (!who.ok || !who.data.staff) {
        // Stays until the member logs in (the link comes back to this page).
        panel("请先登录", "叫号台需要工作人员登录后在窗口签到", "login", hall);
        return new Promise(() => {});
      }
      const me = who.data;
      if (me.window === number) {
        $("session-gate").hidden = true;
        document.body.dataset.session = "signed-in";
        return me;
      }
      const name = `工号 ${me.staff.staff_no} ${me.staff.name}`;
      const elsewhere = me.window !== null && me.window !== undefined
        ? `您已在 ${me.window} 号窗口签到；在此签到将自动从 ${me.window} 号窗口签退。`
        : "";
      panel(`${name}：在 ${number} 号窗口签到`, refusal || elsewhere || "签到后，本窗口的叫号、办理都记在您的工号下（关窗时自动签退）。", "sign-in", hall);
      await clicked($("gate-sign-in"));
      $("gate-sign-in").disabled = true;
      const answer = await Api.call("POST", `${windowPath(hall, number)}/sign-in`);
      refusal = answer.ok ? "" : StaffCore.describeError(answer, "签到");
    }
  }

  /** The member in the header, and 签退: back to the sign-in panel. */
  function showMember(who, hall, number) {
    $("staff-who").textContent = `工号 ${who.staff.staff_no} ${who.staff.name}`;
    $("staff-who").hidden = false;
    const out = $("sign-out");
    out.hidden = false;
    out.addEventListener("click", async () => {
      out.disabled = true;
      const answer = await Api.call("POST", `${windowPath(hall, number)}/sign-out`);
      if (answer.ok) {
        location.reload(); // the console starts again at the sign-in panel
        return;
      }
      out.disabled = false;
      StaffUi.showMessage(StaffCore.describeError(answer, "签退"), "error");
    });
  }

  return Object.freeze({ gate, showMember });
})();
