/*
 * The ticket's status page on the holder's phone: polls GET /api/tickets/{id}
 * (which follows transfers to the live leg) and draws it; offers the rating
 * once the service is done and cancelling while the ticket waits.
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
  const RATED_KEY = `yichuang.rated.${ticketId}`;
  const SCORES = { 5: "非常满意", 4: "满意", 3: "一般", 2: "不满意", 1: "非常不满意" };

  let view = null;
  let timer = null;
  let failures = 0;

  // ------------------------------------------------------------------ polling

  async function poll() {
    clearTimeout(timer);
    timer = null;
    const result = await Api.call("GET", ticketPath);
    if (result.ok) {
      failures = 0;
      view = result.data;
      body.dataset.state = "live";
      // In the hall's time, like the issue time: a phone abroad must not show two clocks.
      setText("s-updated", Text.clockAtOffsetOf(new Date(), view.issued_at));
      render();
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
    timer = delayMs === null || document.hidden ? null : setTimeout(poll, delayMs);
  }

  // A phone in a pocket need not poll; the moment it is looked at again, ask.
  function onVisibility() {
    if (document.hidden) {
      clearTimeout(timer);
      timer = null;
    } else if (view === null || !Text.isFinal(view)) {
      poll();
    }
  }

  function missing() {
    body.dataset.state = "missing";
    show("loading", false);
    show("ticket", false);
    show("missing", true);
    for (const id of ["rating", "materials-box", "cancel-box", "s-foot"]) show(id, false);
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
    const issued = Text.localParts(view.issued_at);
    setText("s-issued", issued ? `${issued.date} ${issued.time}` : "—");
    show("materials-box", !Text.isFinal(view));
    Dom.fillMaterials(byId("s-materials"), view.materials);
    show("cancel-box", waiting || view.status === "suspended");
    renderRating();
  }

  // ------------------------------------------------------------------ rating

  function rated() {
    try {
      return window.localStorage.getItem(RATED_KEY);
    } catch (err) {
      return null; // storage refused (private mode): the server still refuses a second rating
    }
  }

  function remember(score) {
    try {
      window.localStorage.setItem(RATED_KEY, String(score));
    } catch (err) {
      // nothing to do: see rated()
    }
  }

  function renderRating() {
    const done = view.status === "done";
    show("rating", done);
    if (!done) return;
    const score = rated();
    show("rating-buttons", !score);
    setText("rating-title", score ? "服务评价" : "请您对本次服务进行评价");
    if (score) setText("rating-message", `感谢您的评价（${SCORES[score] || "已评价"}）`);
  }

  async function rate(score) {
    const buttons = byId("rating-buttons").querySelectorAll("button");
    for (const b of buttons) b.disabled = true;
    const result = await Api.call("POST", `${ticketPath}/rating`, { score });
    for (const b of buttons) b.disabled = false;
    const message = byId("rating-message");
    if (result.ok) {
      remember(score);
      renderRating();
      return;
    }
    const why = Text.explain(result, "rate");
    if (why.title === "已评价") {
      remember("rated");
      show("rating-buttons", false);
      setText("rating-title", "服务评价");
    }
    message.textContent = why.message;
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
    byId("rating-buttons").addEventListener("click", (event) => {
      const button = event.target.closest("button[data-score]");
      if (button) rate(Number(button.dataset.score));
    });
    byId("cancel").addEventListener("click", askCancel);
    byId("cancel-no").addEventListener("click", keepWaiting);
    byId("cancel-yes").addEventListener("click", confirmCancel);
    document.addEventListener("visibilitychange", onVisibility);
    poll();
  }

  start();
})();
