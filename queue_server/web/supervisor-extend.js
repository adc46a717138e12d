/*
 * 延时服务 on the supervisor console: from an hour before today's closing, with
 * people still waiting, the supervisor may extend the day for those already
 * holding a ticket (POST /api/halls/{hall}/extend). The kiosk still stops at
 * the usual time; the end-of-day job waits for the extension to end.
 *
 * A script of its own beside supervisor.js: it reads today's closing from
 * GET /api/halls/{hall} (every 30 s) and the waiting count that supervisor.js
 * draws from the feed (#waiting-total, watched), and draws into #extend-box.
 */
(function () {
  "use strict";

  const { $, el, button } = StaffUi;
  const hallPath = `/api/halls/${encodeURIComponent(document.body.dataset.hall)}`;
  const OFFER_BEFORE_MS = 60 * 60 * 1000;
  const CHECK_EVERY_MS = 30000;
  const STEPS_MIN = [30, 60, 90, 120, 180];
  let today = null; // the hall view's `today`: {date, sessions, closes_at, extended}

  const box = $("extend-box");
  const note = el("span", "extend-note", "", { id: "extend-note" });
  const until = el("select", "extend-until", null, { id: "extend-until", "aria-label": "延时至" });
  const go = button("extend", "延时服务", extend, { id: "extend" });
  box.append(note, until, go);

  async function check() {
    const answer = await Api.call("GET", hallPath);
    if (answer.ok) today = answer.data.today;
    draw();
  }

  /** "HH:MM" of an ISO time in the hall's zone (the server writes its offset). */
  const clock = (iso) => iso.slice(11, 16);
  const minutes = (hhmm) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
  const hhmm = (m) => `${String(Math.floor(m / 60)).padStart(2, "0")}:${String(m % 60).padStart(2, "0")}`;

  function draw() {
    const closes = today && today.closes_at ? Date.parse(today.closes_at) : null;
    const extended = today && today.extended ? today.extended.until : null;
    const ends = extended ? closes + (minutes(extended) - minutes(clock(today.closes_at))) * 60000 : closes;
    const now = Date.now();
    const waiting = Number($("waiting-total").textContent) || 0;
    box.hidden = !(closes !== null && now >= closes - OFFER_BEFORE_MS && now < ends && waiting > 0);
    if (box.hidden) return;
    const close = clock(today.closes_at);
    note.textContent = extended ? `已延时至 ${extended}` : `${close} 下班，仍有 ${waiting} 人等候`;
    // Minutes of the day in the hall's zone, counted from the closing time (same day).
    const nowMin = minutes(close) + Math.floor((now - closes) / 60000);
    const later = Math.max(minutes(extended || close), nowMin);
    const options = STEPS_MIN.map((step) => minutes(close) + step).filter((m) => m > later && m < 24 * 60);
    const chosen = until.value;
    until.replaceChildren(...options.map((m) => el("option", null, `至 ${hhmm(m)}`, { value: hhmm(m) })));
    if (options.some((m) => hhmm(m) === chosen)) until.value = chosen;
    go.disabled = !options.length;
  }

  async function extend() {
    const to = until.value;
    const ok = await StaffDialogs.confirm(
      "延时服务",
      `今天延时至 ${to}：已取号的群众继续办理，取号机仍按时停止取号。`,
      `延时至 ${to}`,
    );
    if (!ok) return;
    const answer = await Api.call("POST", `${hallPath}/extend`, { until: to });
    if (answer.ok) StaffUi.showMessage(`已延时服务至 ${to}`, "ok");
    else StaffUi.showMessage(StaffCore.describeError(answer, "延时服务"), "error");
    check();
  }

  check();
  setInterval(check, CHECK_EVERY_MS);
  // The offer follows the waiting count as supervisor.js redraws it from the feed.
  new MutationObserver(draw).observe($("waiting-total"), { childList: true, characterData: true, subtree: true });
})();
