/*
 * The ticket's status page on the holder's phone: polls GET /api/tickets/{id}
 * (which follows transfers to the live leg) and draws it; offers the rating
 * once the service is done (rating-form.js: the rating given, changeable for a
 * while), cancelling while the ticket waits, 「办不成事」 (case-form.js), and the
 * reminders when the ticket is near or called (status-remind.js).
 * `?via=sms` in the address (the 短信评价 link) goes with the rating.
 *
 * No token: the unguessable id in the address is the key, and the view the
 * server returns carries no personal data. Wording comes from visitor-text.js.
 *
 * Test hooks on <body>: data-state (loading | live | offline | missing) and
 * data-status (the ticket's status as the server names it).
 */
(function () {
  "use strict";

  const Text = window.YiChuangText;
  const { byId, setText, show } = Dom;

  const body = document.body;
  const ticketId = body.dataset.ticket;
  const ticketPath = `/api/tickets/${encodeURIComponent(ticketId)}`;
  const TIMING = { nearMs: 2000, normalMs: 5000 };
  const OFFLINE_MAX_MS = 30000;
  const VIA = new URLSearchParams(window.location.search).get("via") === "sms" ? "sms" : undefined;

  let view = null;
  let timer = null;
  let failures = 0;
  let ratingShown = false; // the rating card is drawn once, when the ticket is done
  let caseOpen = false;

  // ------------------------------------------------------------------ polling

  async function poll() {
    clearTimeout(timer);
    timer = null;
    const result = await Api.call("GET", ticketPath);
    if (result.ok && !usable(result.data)) {
      broken();
    } else if (result.ok) {
      failures = 0;
      view = result.data;
      body.dataset.state = "live";
      show("broken", false);
      try {
        // In the hall's time, like the issue time: a phone abroad must not show two clocks.
        setText("s-updated", Text.clockAtOffsetOf(new Date(), view.issued_at));
        render();
      } catch (err) {
        broken();
        return;
      }
      schedule(Text.pollDelay(view, TIMING));
    } else if (result.status === 404) {
      missing();
    } else {
      // The phone lost its signal, or the server restarts: keep what we showed and retry.
      failures += 1;
      body.dataset.state = "offline";
      show("s-offline", true);
      schedule(Math.min(OFFLINE_MAX_MS, TIMING.normalMs * 2 ** (failures - 1)));
    }
  }

  function schedule(delayMs) {
    clearTimeout(timer);
    // Hidden, the page polls only for a holder who asked to be alerted (status-remind.js).
    const idle = document.hidden && !StatusRemind.watching();
    timer = delayMs === null || idle ? null : setTimeout(poll, delayMs);
  }

  // A phone in a pocket need not poll; the moment it is looked at again, ask.
  function onVisibility() {
    if (document.hidden) {
      if (StatusRemind.watching()) return; // it keeps polling, to alert its holder
      clearTimeout(timer);
      timer = null;
    } else if (view === null || !Text.isFinal(view)) {
      poll();
    }
  }

  /** An answer this page can draw: an object with a number and a status it knows. */
  function usable(data) {
    return Boolean(data && typeof data === "object" && typeof data.number === "string" && typeof data.status === "string");
  }

  /** An answer the page cannot read: say so, keep what was shown, try again later. */
  function broken() {
    failures += 1;
    body.dataset.state = "broken";
    show("loading", false);
    show("broken", view === null);
    show("s-offline", true);
    schedule(Math.min(OFFLINE_MAX_MS, TIMING.normalMs * 2 ** (failures - 1)));
  }

  function missing() {
    body.dataset.state = "missing";
    show("loading", false);
    show("ticket", false);
    show("missing", true);
    for (const id of ["rating", "remind-box", "materials-box", "cancel-box", "case-box", "s-foot"]) show(id, false);
  }

  // ------------------------------------------------------------------ drawing

  function render() {
    body.dataset.status = view.status;
    const status = Text.statusOf(view);
    show("loading", false);
    show("s-offline", false);
    show("ticket", true);
    setText("hall-name", view.hall_name || "排队进度");
    document.title = `${view.number} · 排队进度`;
    setText("s-number", view.number);
    show("s-green", Boolean(view.green_channel));
    setText("s-service", view.service_name);
    const chip = byId("s-status");
    chip.textContent = status.label;
    chip.className = `s-status tone-${status.tone}`;
    const atWindow = (view.status === "called" || view.status === "serving") && view.window != null;
    show("s-call", atWindow);
    setText("s-window", atWindow ? String(view.window) : "");
    byId("s-call").classList.toggle("serving", view.status === "serving");
    setText("s-note", status.note);
    const waiting = view.status === "waiting";
    show("s-queue", waiting);
    setText("s-ahead", String(view.position));
    const facts = Text.queueFacts(view);
    setText("s-wait", facts.wait);
    show("s-nowindow", waiting && Boolean(facts.noWindow));
    setText("s-nowindow", facts.noWindow || "");
    show("s-order", waiting && Boolean(facts.order));
    setText("s-order", facts.order || "");
    renderWentBefore(waiting ? view.went_before : null);
    const issued = Text.localParts(view.issued_at);
    setText("s-issued", issued ? `${issued.date} ${issued.time}` : "—");
    show("materials-box", !Text.isFinal(view));
    Dom.fillMaterials(byId("s-materials"), view.materials);
    show("cancel-box", waiting || view.status === "suspended");
    renderRating();
    StatusArrival.render(view); // 线上取号: not called until its holder has arrived
    StatusRemind.update(view);
  }

  /** Why the numbers called just now went before this one (「刚才叫的 A031 号为绿色通道，优先办理」). */
  function renderWentBefore(went) {
    const lines = (Array.isArray(went) ? went : []).map((w) => w && w.line).filter((l) => typeof l === "string");
    byId("s-went").replaceChildren(...lines.map((line) => Dom.el("li", "s-went-line", line)));
    show("s-went", lines.length > 0);
  }

  // ------------------------------------------------------------------ rating

  function renderRating() {
    const done = view.status === "done";
    show("rating", done);
    show("case-box", true);
    if (!done || ratingShown) return;
    ratingShown = true;
    RatingForm.open(byId("rating-box"), { ticketId, layout: "phone", via: VIA });
  }

  // ------------------------------------------------------------------ 办不成事

  function openCase() {
    if (caseOpen) return;
    caseOpen = true;
    show("to-case", false);
    show("case-done", false);
    CaseForm.mount(byId("case-form"), {
      hall: view.hall,
      ticketId,
      layout: "phone",
      onDone: (result) => {
        closeCase();
        show("to-case", false);
        setText("case-done", CaseForm.doneText(result));
        show("case-done", true);
      },
      onCancel: closeCase,
    });
  }

  function closeCase() {
    caseOpen = false;
    byId("case-form").replaceChildren();
    show("to-case", true);
  }

  // ------------------------------------------------------------------ cancel

  function askCancel() {
    show("cancel", false);
    show("cancel-confirm", true);
    setText("cancel-message", "");
  }

  function keepWaiting() {
    show("cancel-confirm", false);
    show("cancel", true);
  }

  async function confirmCancel() {
    byId("cancel-yes").disabled = true;
    const result = await Api.call("POST", `${ticketPath}/cancel`);
    byId("cancel-yes").disabled = false;
    keepWaiting();
    if (!result.ok) setText("cancel-message", Text.explain(result, "cancel").message);
    poll();
  }

  // ------------------------------------------------------------------ start

  function start() {
    byId("to-case").addEventListener("click", openCase);
    byId("cancel").addEventListener("click", askCancel);
    byId("cancel-no").addEventListener("click", keepWaiting);
    byId("cancel-yes").addEventListener("click", confirmCancel);
    document.addEventListener("visibilitychange", onVisibility);
    StatusRemind.mount(ticketId, ticketPath);
    poll();
  }

  start();
})();
