/*
 * The evaluator (评价器): a screen at the window that faces the visitor.
 *
 * Idle, it greets; when this window finishes a ticket it asks for a rating
 * with five big buttons, sends it to POST /api/tickets/{id}/rating, thanks
 * the visitor and goes back to idle. The ticket's id comes from the clerk
 * console on the same PC (rate-handoff.js); the feed's ticket.finished at
 * this window triggers the same prompt when the console's word came first
 * or got lost. <body data-view> says which screen is up (idle | prompt | thanks).
 * The form itself (five grades; for 不满意 and 非常不满意 the hall's reasons, a
 * text and a call-back phone on an on-screen pad) is rating-form.js, shared
 * with the phone page and the kiosk; it is emptied whenever the screen
 * leaves the prompt, so the next visitor never sees the last one's rating.
 *
 * It asks only about the visitor who just left this window: the moment the
 * window holds another ticket (a call, seen on the feed), the prompt goes
 * back to idle, and the server refuses this window's rating of a ticket that
 * has left it (the holder may still rate from the phone page).
 */
(function () {
  "use strict";

  const { $ } = StaffUi;
  const body = document.body;
  const hall = body.dataset.hall;
  const number = Number(body.dataset.window);
  const { EVENT_TYPES: EVENT, MESSAGE_TYPES: MSG } = window.YiChuangProtocol;

  const PROMPT_MS = 90000; // a visitor who walked away: the screen greets the next one
  const THANKS_MS = 5000;

  let feed = null;
  let current = null; // the record being rated: {id, number, service_name}
  let form = null; // the RatingForm on screen while prompting
  const asked = new Set(); // ids already prompted: the handoff and the feed both tell
  let backTimer = null;

  function start() {
    StaffUi.startClock(() => (feed && feed.state().hall ? feed.state().hall.timezone : null),
      () => (feed ? feed.serverNow() : Date.now()));
    feed = HallSocket.start({ hall, onMessage: received, onRefused: StaffUi.showFatal });
    if (!Api.token) return;
    DeviceBeat.start({ hall, onRefused: StaffUi.showFatal });
    RateHandoff.subscribe(hall, number, prompt);
    document.addEventListener("keydown", onKey);
    // Reloaded right after a finish: the visitor may still be standing there.
    const recent = RateHandoff.latest(hall, number, Date.now());
    if (recent && Date.now() - recent.at < PROMPT_MS) prompt(recent);
  }

  function received(msg, { applied, state }) {
    if (!applied) return;
    if (msg.type === MSG.SNAPSHOT) StaffUi.hideFatal();
    if (current && movedOn(current, state)) reset();
    const data = msg.data || {};
    const mine = data.window && data.window.number === number;
    if (msg.type === EVENT.TICKET_FINISHED && mine && data.ticket) {
      const record = RateHandoff.latest(hall, number, Date.now());
      if (record && record.number === data.ticket.number) prompt(record);
    }
    renderIdle(state);
  }

  // ------------------------------------------------------------ the screens

  function show(view) {
    body.dataset.view = view;
    if (view !== "prompt" && form) {
      form.destroy(); // nothing of this visitor's rating stays on the screen
      form = null;
    }
    for (const name of ["idle", "prompt", "thanks"]) $(name).hidden = name !== view;
  }

  /** Whether the window now holds a ticket other than `record`'s: a new visitor stands there. */
  function movedOn(record, state) {
    const w = state && YiChuangFeed.windowOf(state, number);
    return Boolean(w && w.ticket && w.ticket !== record.number);
  }

  function reset() {
    if (current) RateHandoff.forget(hall, number, current.id);
    current = null;
    clearTimeout(backTimer);
    show("idle");
  }

  function prompt(record) {
    if (asked.has(record.id)) return;
    if (feed && movedOn(record, feed.state())) return; // word of a visitor already gone
    asked.add(record.id);
    current = record;
    $("prompt-ticket").textContent = [record.number, record.service_name].filter(Boolean).join(" · ");
    show("prompt");
    form = RatingForm.mount($("rate-form"), {
      ticketId: record.id,
      layout: "wide",
      dark: true,
      keypad: true, // a touch screen facing the visitor: no keyboard to type a phone on
      onDone: (result) => rated(record, result),
      onConflict: (result) => refused(record, result),
      onActivity: () => backLater(PROMPT_MS),
    });
    backLater(PROMPT_MS);
  }

  /** The closing screen: thanks, or (`unrated`) why no rating was taken. */
  function thank(note, unrated = false) {
    $("thanks-title").textContent = unrated ? "未记录评价" : "感谢您的评价！";
    $("thanks").classList.toggle("unrated", unrated);
    $("thanks-note").textContent = note;
    show("thanks");
    backLater(THANKS_MS);
  }

  function backLater(ms) {
    clearTimeout(backTimer);
    backTimer = setTimeout(() => {
      current = null;
      show("idle");
    }, ms);
  }

  function renderIdle(state) {
    const w = YiChuangFeed.windowOf(state, number);
    if (state.hall) $("hall-name").textContent = state.hall.name;
    if (!w) return;
    $("window-label").textContent = w.label;
    $("idle-window").textContent = w.label;
    const paused = w.state === "paused" || w.state === "closed";
    $("idle-state").textContent = paused ? `本窗口${w.state_zh}` : "";
  }

  // ------------------------------------------------------------ rating

  function rated(record, result) {
    RateHandoff.forget(hall, number, record.id);
    current = null;
    const bad = result.score <= 2;
    const note = bad
      ? (result.callback ? "我们会尽快核实整改，并按您留下的电话回访" : "我们会尽快核实整改")
      : "祝您生活愉快";
    thank(`您的评价：${result.name}\n${note}`); // two lines (.thanks-note keeps the break)
  }

  /** A 409: the visitor left this window, or the ticket was rated already. */
  function refused(record, result) {
    RateHandoff.forget(hall, number, record.id);
    current = null;
    if (result.data && result.data.error === "rating_not_at_window") {
      // The window has called someone else meanwhile: this screen faces another person.
      thank("该号码已离开本窗口，可扫描号票上的二维码在手机上评价", true);
    } else {
      thank(StaffCore.describeError(result, "评价"), result.data && result.data.error !== "already_rated");
    }
    return true;
  }

  // Evaluators with hard keys send digits: the digit is the score (5 = 非常满意).
  // Only on the first step: a digit typed into the phone field is a digit.
  function onKey(event) {
    if (body.dataset.view !== "prompt" || !form || form.step() !== "grades") return;
    if (!/^[1-5]$/.test(event.key) || event.target instanceof HTMLInputElement) return;
    event.preventDefault();
    form.rate(Number(event.key));
  }

  start();
})();
