/*
 * The clerk console (叫号台) of one window: the shell around ClerkCore's rules.
 *
 * Where its data comes from:
 *   - the window's state: the hall feed (hall-socket.js), and the answer of
 *     each action at once (the feed confirms it a moment later);
 *   - the current ticket's details (materials, masked ID number, booking):
 *     the answer of each action, or GET /api/halls/{hall}/windows/{n} when
 *     the window holds a ticket this page did not call (a reload, another
 *     tab, a supervisor's step); until that answer the feed's call entry
 *     (number, service, green mark) stands in. Nothing personal is kept in
 *     the browser's storage;
 *   - how many wait for this window: GET /queues filtered by the window's
 *     skills (GET /api/halls/{hall}), refreshed after feed events.
 *
 * One action at a time: every button is disabled while a request is in
 * flight, so a double-click or a held key can never call two tickets.
 * <body> exposes data-window-state and data-busy for tests.
 */
(function () {
  "use strict";

  const { $, el, button } = StaffUi;
  const { ACTIONS } = ClerkCore;
  const { EVENT_TYPES: EVENT, MESSAGE_TYPES: MSG } = window.YiChuangProtocol;
  const body = document.body;
  const hall = body.dataset.hall;
  const number = Number(body.dataset.window);
  const hallPath = `/api/halls/${encodeURIComponent(hall)}`;
  const QUEUE_DEBOUNCE_MS = 400;
  const QUEUE_EVERY_MS = 30000; // waits grow without events; refresh them anyway
  const CONFIG_RETRY_MS = 3000;

  // What a finish records as the outcome (办理结果); the first is the default.
  // 容缺受理 asks for the missing materials and their due date (a follow-up).
  const OUTCOMES = ["办结", "受理", "补正材料", "容缺受理", "不予受理", "仅咨询"];
  const WITH_GAPS = "容缺受理";

  const model = {
    hall: null, // GET /api/halls/{hall}: policy, offered services, windows' skills
    catalogue: null, // GET /api/services
    config: null, // this window in hall.windows
    window: null, // {state, ticket, since, label}: the feed's or the last answer's
    detail: null, // the clerk's view of the current ticket, from an action answer
    queue: StaffCore.queueForWindow(null, null),
    busy: null, // the action in flight
    outcome: OUTCOMES[0],
  };
  let feed = null;

  // ------------------------------------------------------------ start

  async function start() {
    StaffUi.startClock(() => (feed && feed.state().hall ? feed.state().hall.timezone : null),
      () => (feed ? feed.serverNow() : Date.now()));
    setInterval(renderSince, 1000);
    buildButtons();
    if (!Api.token) {
      // No window token in the address: the member's session, signed in at this window.
      const who = await ClerkSession.gate(hall, number);
      ClerkSession.showMember(who, hall, number);
    }
    feed = HallSocket.start({ hall, onMessage: received, onRefused: StaffUi.showFatal, session: true });
    document.addEventListener("keydown", onKey);
    $("call-next").addEventListener("click", () => perform("call-next"));
    await loadConfig();
    setInterval(refreshQueue, QUEUE_EVERY_MS);
    ClerkFollowups.start(hallPath);
    ClerkGreen.start({ hallPath, number, onView: (view) => {
      model.window = view.window;
      model.detail = view.ticket || null;
      render();
    } });
  }

  /** The hall's configuration and the caller; retried while the server is away. */
  async function loadConfig() {
    const [who, hallView, catalogue] = await Promise.all([
      Api.call("GET", "/api/whoami"),
      Api.call("GET", hallPath),
      Api.call("GET", "/api/services"),
    ]);
    const failed = [who, hallView, catalogue].find((r) => !r.ok);
    if (failed && failed.status === 0) {
      setTimeout(loadConfig, CONFIG_RETRY_MS);
      return;
    }
    if (failed) {
      StaffUi.showFatal(StaffCore.describeError(failed, "读取窗口配置"));
      return;
    }
    const refusal = tokenProblem(who.data);
    if (refusal) {
      StaffUi.showFatal(refusal);
      return;
    }
    applyHall(hallView.data);
    model.catalogue = catalogue.data;
    render();
    refreshQueue();
  }

  function tokenProblem(who) {
    if (who.role === "window" && who.window !== number) {
      return `此令牌属于 ${who.window} 号窗口，不能用于 ${number} 号窗口`;
    }
    if (!["window", "supervisor", "admin"].includes(who.role)) return "叫号台需要窗口令牌或主管令牌，或工作人员登录后在本窗口签到";
    return null;
  }

  function applyHall(hallView) {
    model.hall = hallView;
    model.config = hallView.windows.find((w) => w.number === number) || null;
    if (!model.config) {
      StaffUi.showFatal(`本大厅没有 ${number} 号窗口`);
      return;
    }
    if (!model.window) model.window = model.config;
  }

  // ------------------------------------------------------------ the feed

  function received(msg, { applied, state }) {
    if (!applied) return;
    if (msg.type === MSG.SNAPSHOT && body.dataset.fatal && model.config) StaffUi.hideFatal();
    const data = msg.data || {};
    const mine = msg.type === MSG.SNAPSHOT || (data.window && data.window.number === number);
    if (mine) {
      const w = YiChuangFeed.windowOf(state, number);
      if (w) model.window = w;
    }
    if (msg.type === EVENT.TICKET_RECALLED && mine && model.detail && data.ticket &&
        data.ticket.number === model.detail.number && Number.isInteger(data.ticket.recalls)) {
      model.detail = { ...model.detail, recalls: data.ticket.recalls };
    }
    // A window's skills changed: what waits for it changes too.
    if (msg.type === EVENT.WINDOW_UPDATED) reloadHall();
    scheduleQueue();
    render();
  }

  async function reloadHall() {
    const result = await Api.call("GET", hallPath);
    if (result.ok) {
      applyHall(result.data);
      scheduleQueue();
      render();
    }
  }

  // ------------------------------------------------------------ the queue

  let queueTimer = null;
  let queueLoading = false;
  let queueAgain = false;

  function scheduleQueue() {
    clearTimeout(queueTimer);
    queueTimer = setTimeout(refreshQueue, QUEUE_DEBOUNCE_MS);
  }

  async function refreshQueue() {
    if (!model.config) return;
    if (queueLoading) {
      queueAgain = true; // one more round once this one lands, never two at once
      return;
    }
    queueLoading = true;
    const result = await Api.call("GET", `${hallPath}/queues`);
    queueLoading = false;
    if (result.ok) {
      model.queue = StaffCore.queueForWindow(result.data, model.config);
      render();
    }
    if (queueAgain) {
      queueAgain = false;
      refreshQueue();
    }
  }

  // ------------------------------------------------------------ actions

  function windowState() {
    return model.window ? model.window.state : null;
  }

  function context() {
    const recalls = model.detail ? model.detail.recalls : 0;
    const maxRecalls = model.hall ? model.hall.policy.max_recalls : undefined;
    return { recalls, maxRecalls, suspended: model.queue.suspended.length };
  }

  function canPress(action) {
    return !model.busy && model.hall !== null && ClerkCore.enabled(action, windowState(), context());
  }

  /** Ask for what a picker action needs (a number, a service…); null: the clerk gave up. */
  async function ask(action) {
    switch (ACTIONS[action].dialog) {
      case "number": {
        await refreshQueue(); // the list as it is now, not as the last feed event left it
        const picked = await StaffDialogs.number(model.queue.waiting);
        return picked && { ticket: picked };
      }
      case "suspended": {
        const picked = await StaffDialogs.suspended(model.queue.suspended);
        return picked && { ticket: picked };
      }
      default:
        return StaffDialogs.transfer({
          ticket: currentTicket() || {},
          catalogue: model.catalogue,
          hall: model.hall,
          fromWindow: number,
        });
    }
  }

  async function perform(action) {
    if (!canPress(action)) return;
    let payload = action === "finish" ? { outcome: model.outcome } : undefined;
    if (action === "finish" && model.outcome === WITH_GAPS) {
      const gaps = await StaffDialogs.missing(currentTicket() || {});
      if (gaps === null || !canPress(action)) return;
      payload = { ...payload, ...gaps };
    }
    if (ACTIONS[action].dialog) {
      payload = await ask(action);
      if (payload === null || !canPress(action)) return; // gave up, or the state moved meanwhile
    }
    // Busy and disabled in the same task as the press: a second click of a
    // double-click finds every button disabled and is never sent.
    model.busy = action;
    render();
    const result = await Api.call("POST", `${hallPath}/windows/${number}/${action}`, payload);
    model.busy = null;
    // On a session, closing signs the member out (and a supervisor may have):
    // back to the sign-in panel rather than a console that can no longer act.
    if (!Api.token && ((result.ok && action === "close") || result.status === 403)) {
      location.reload();
      return;
    }
    if (result.ok) succeeded(action, result.data);
    else failed(action, result);
    render();
    // Focus back to the page, so Space means "call next" and not "press the last button".
    if (document.activeElement && document.activeElement !== body) document.activeElement.blur();
  }

  function succeeded(action, data) {
    if (data === null) {
      StaffUi.showMessage("暂无可叫的号码：本窗口可办业务当前无人等候", "info");
      return;
    }
    const before = model.detail;
    if (action === "finish" && model.outcome === WITH_GAPS) ClerkFollowups.refresh();
    model.window = data.window;
    model.detail = data.window.ticket ? data.ticket : null;
    // A new ticket starts from the default outcome; the same one keeps the clerk's pick.
    const sameTicket = before && model.detail && before.number === model.detail.number;
    if (!sameTicket) model.outcome = OUTCOMES[0];
    StaffUi.showMessage(doneText(action, data), "ok");
    if (action === "finish" && data.ticket) {
      const { id, number: finished, service_name: serviceName } = data.ticket;
      RateHandoff.publish(hall, number, { id, number: finished, service_name: serviceName });
    }
    scheduleQueue();
  }

  function doneText(action, data) {
    const n = data.ticket ? data.ticket.number : "";
    switch (action) {
      case "call-next":
      case "call":
        return `已叫号 ${n}`;
      case "recall":
        return `已重呼 ${n}（第 ${data.ticket.recalls} 次）`;
      case "start":
        return `${n} 开始办理`;
      case "finish":
        return `${n} 已办结，请提示办事人在评价器上评价`;
      case "no-show":
        return `${n} 已过号`;
      case "suspend":
        return `${n} 已挂起；办事人回来后点「恢复挂起」`;
      case "transfer":
        return `${n} 已转办${data.new_ticket ? `至「${data.new_ticket.service_name}」` : ""}`;
      case "resume-ticket":
        return `${data.resumed.number} 已恢复，排在队首`;
      default:
        return `${ACTIONS[action].label}：${data.window.state_zh}`;
    }
  }

  function failed(action, result) {
    StaffUi.showMessage(StaffCore.describeError(result, ACTIONS[action].label), "error");
    // A refusal for the state usually means our view is behind (another device,
    // a supervisor, the scheduler's auto no-show): take a fresh snapshot.
    if (result.status === 409) feed.resync();
  }

  function onKey(event) {
    if (StaffUi.typingOrDialog(event)) return;
    if (model.window && model.window.state === "serving" && /^[1-6]$/.test(event.key)) {
      model.outcome = OUTCOMES[Number(event.key) - 1];
      render();
      return;
    }
    const action = ClerkCore.actionForKey(event, windowState());
    if (!action) return;
    event.preventDefault(); // Space would also press a focused button; F1 would open help
    if (!event.repeat) perform(action);
  }

  // ------------------------------------------------------------ the ticket's details

  // The number whose details are being fetched: one request per ticket at a time.
  let detailFetching = null;

  /** Fetch the clerk's view of the window for a ticket this page has no details of. */
  async function fetchDetail(ticketNumber) {
    if (detailFetching === ticketNumber) return;
    detailFetching = ticketNumber;
    const result = await Api.call("GET", `${hallPath}/windows/${number}`);
    detailFetching = null;
    const w = model.window;
    // Still the ticket the window holds (the clerk may have moved on meanwhile).
    if (result.ok && result.data.ticket && w && result.data.window.ticket === w.ticket) {
      model.detail = result.data.ticket;
      render();
    }
  }

  /** What is known of the ticket the window holds: full details, or the feed's call entry. */
  function currentTicket() {
    const w = model.window;
    if (!w || !w.ticket) return null;
    if (model.detail && model.detail.number === w.ticket) return model.detail;
    // Called elsewhere (another tab, a supervisor) or before a reload of a new
    // tab: the feed knows the number, service name and green mark, and the
    // catalogue (names are unique there) knows the materials to check.
    const state = feed.state();
    const call = [...state.nowCalling, ...state.lastCalls].find((c) => c.number === w.ticket);
    const serviceName = call ? call.service_name : "";
    const service = model.catalogue && model.catalogue.services.find((s) => s.name === serviceName);
    return {
      number: w.ticket,
      service: service ? service.code : undefined,
      category: service ? service.category : undefined,
      service_name: serviceName,
      green_channel: Boolean(call && call.green_channel),
      call_reason: call ? call.call_reason : null,
      materials: service ? service.materials : [],
      partial: true,
    };
  }

  // ------------------------------------------------------------ drawing

  function render() {
    const state = windowState();
    body.dataset.windowState = state || "";
    body.dataset.busy = model.busy || "";
    renderTop();
    const ticket = currentTicket();
    if (ticket && ticket.partial && model.hall) fetchDetail(ticket.number);
    renderTicket(ticket);
    renderQueue();
    renderCallNext(state);
    renderActions(state);
    renderOutcomes(state);
  }

  function renderTop() {
    const w = model.window;
    const hallState = feed ? feed.state().hall : null;
    if (hallState) $("hall-name").textContent = hallState.name;
    if (!w) return;
    $("window-label").textContent = w.label || `${number}号窗口`;
    document.title = `${w.label || `${number}号窗口`} · 叫号台`;
    const badge = $("window-state");
    badge.textContent = StaffCore.WINDOW_STATE_ZH[w.state] || w.state;
    badge.className = `state-badge state-${w.state}`;
    renderSince();
  }

  const SINCE_WORDS = { open: "已空闲", calling: "已叫号", serving: "已办理", paused: "已暂停", closed: "" };

  function renderSince() {
    const w = model.window;
    if (!w || !feed) return;
    const span = StaffCore.formatDuration(StaffCore.secondsSince(w.since, feed.serverNow()));
    $("window-since").textContent = span && SINCE_WORDS[w.state] ? `${SINCE_WORDS[w.state]} ${span}` : "";
  }

  function renderTicket(ticket) {
    $("current").className = ticket ? `current holding state-${model.window.state}` : "current idle";
    $("ticket-number").textContent = ticket ? ticket.number : "—";
    $("ticket-green").hidden = !(ticket && ticket.green_channel);
    const reason = ticket ? ClerkCore.reasonTag(ticket.call_reason) : "";
    $("ticket-reason").textContent = reason;
    $("ticket-reason").hidden = !reason;
    $("ticket-status").textContent = ticket ? StaffCore.WINDOW_STATE_ZH[model.window.state] : "";
    $("ticket-service").textContent = ticket ? ticket.service_name : idleText();
    $("ticket-facts").replaceChildren(...facts(ticket));
    renderAppointment(ticket && ticket.appointment);
    renderGuideNote(ticket && ticket.note);
    ClerkGreen.render(ticket);
    renderAnswers(ticket);
    renderMaterials(ticket);
    $("idle-hint").hidden = Boolean(ticket) || windowState() !== "open";
  }

  function idleText() {
    const state = windowState();
    if (state === "closed") return "窗口未开启：按 O 开窗";
    if (state === "paused") return "暂停服务中：按 P 恢复服务";
    return "当前无号码";
  }

  function facts(ticket) {
    if (!ticket) return [];
    const rows = [];
    const add = (term, value, id) => rows.push(fact(term, value, id));
    if (ticket.partial) {
      add("说明", "正在读取该号码的详情（等候时间、证件号与预约信息）…");
      return rows;
    }
    add("已等候", StaffCore.formatDuration(ticket.waited_s) || "—", "fact-waited");
    if (model.window.state === "calling") {
      const max = model.hall ? model.hall.policy.max_recalls : "?";
      add("重呼次数", `${ticket.recalls || 0}/${max}`, "fact-recalls");
    }
    add("证件号", ticket.id_masked || "未登记", "fact-id");
    if (ticket.entry === "transfer") add("来源", "转办");
    if (ticket.entry === "return") add("来源", "挂起后恢复");
    return rows;
  }

  function fact(term, value, id) {
    return el("div", "fact", [el("dt", null, term), el("dd", null, value, { id })]);
  }

  function renderAppointment(appointment) {
    const box = $("appointment");
    box.hidden = !appointment;
    if (!appointment) return;
    const form = appointment.form && typeof appointment.form === "object" ? Object.entries(appointment.form) : [];
    box.replaceChildren(
      el("h2", null, "预约办理"),
      el("div", "appointment-name", `预约人：${appointment.name}`),
      form.length
        ? el("dl", "appointment-form", form.map(([k, v]) => fact(k, String(v))))
        : el("div", "muted", "无预填表单"),
    );
  }

  /** The 导办's pre-check note (资料预审), written when the ticket was issued at the entrance. */
  function renderGuideNote(note) {
    $("guide-note").hidden = !note;
    $("guide-note-text").textContent = note || "";
  }

  /** The visitor's 办事指引 answers: the checklist below is the one they made. */
  function renderAnswers(ticket) {
    const lines = ticket && Array.isArray(ticket.answers) ? ticket.answers : [];
    $("answers-box").hidden = !lines.length;
    $("materials-hint").textContent = lines.length ? "（按办事指引生成，核对后勾选）" : "（核对后勾选）";
    $("answers-state").textContent = ticket && ticket.answers_complete === false ? "（未答完）" : "";
    $("answers").replaceChildren(...lines.map((a) => fact(a.question, a.answer)));
  }

  // The checklist is the clerk's own tally: ticks live only until the ticket changes.
  let materialsOf = null;

  function renderMaterials(ticket) {
    const list = ticket && ticket.materials ? ticket.materials : [];
    $("materials-box").hidden = !list.length;
    // Keyed by the list too: the details (with a personal list) may follow a partial view.
    const key = ticket ? `${ticket.number}\n${list.join("\n")}` : null;
    if (!list.length || materialsOf === key) return;
    materialsOf = key;
    $("materials").replaceChildren(...list.map((m, i) => el("li", null, [
      el("label", null, [el("input", null, null, { type: "checkbox", id: `material-${i}` }), el("span", null, m)]),
    ])));
  }

  function renderCallNext(state) {
    const callNext = $("call-next");
    callNext.disabled = !canPress("call-next");
    callNext.classList.toggle("busy", model.busy === "call-next");
    callNext.querySelector(".call-label").textContent = model.busy === "call-next" ? "叫号中…" : "叫号";
    // Only an idle window calls; otherwise the state's own steps take the space.
    callNext.hidden = state !== "open";
  }

  function renderQueue() {
    const q = model.queue;
    $("queue-count").textContent = model.config ? String(q.count) : "—";
    $("queue-green").hidden = !q.green;
    $("queue-green").textContent = `绿色通道 ${q.green}`;
    const oldest = StaffCore.formatDuration(q.oldestWaitS);
    $("queue-oldest").textContent = oldest ? `最久已等 ${oldest}` : "";
    $("queue-away").hidden = !q.away;
    $("queue-away").textContent = `另有 ${q.away} 人未到场`;
  }

  // The buttons are made once and only shown, hidden and enabled afterwards:
  // replacing them on every feed event could swallow a click in progress.
  const actionButtons = new Map();
  const outcomeButtons = new Map();

  function buildButtons() {
    for (const action of Object.keys(ACTIONS)) {
      if (action === "call-next") continue;
      const spec = ACTIONS[action];
      const node = button(`action action-${action}`, [
        el("span", "action-label", spec.label),
        el("kbd", null, spec.hint),
        el("span", "action-note"),
      ], () => perform(action), {
        "data-action": action,
        "aria-keyshortcuts": keyNames(spec.keys),
        hidden: true,
      });
      actionButtons.set(action, node);
    }
    $("action-buttons").replaceChildren(...actionButtons.values());
    for (const [i, outcome] of OUTCOMES.entries()) {
      const node = button("outcome", [el("kbd", null, String(i + 1)), el("span", null, outcome)], () => {
        model.outcome = outcome;
        render();
      }, { role: "radio", "data-outcome": outcome });
      outcomeButtons.set(outcome, node);
    }
    $("outcome-list").replaceChildren(...outcomeButtons.values());
  }

  /** KeyboardEvent keys as aria-keyshortcuts names them ("Space F1", "R"). */
  function keyNames(keys) {
    return keys.map((k) => (k === " " ? "Space" : k.toUpperCase())).join(" ");
  }

  function renderActions(state) {
    const fitting = ClerkCore.actionsFor(state);
    for (const [action, node] of actionButtons) {
      const place = fitting.indexOf(action);
      node.hidden = place < 0;
      node.style.order = String(place); // the table's order, whatever the DOM's
      node.disabled = !canPress(action);
      node.classList.toggle("busy", model.busy === action);
      node.querySelector(".action-note").textContent = actionNote(action);
    }
  }

  function actionNote(action) {
    const ticket = currentTicket();
    if (action === "recall" && ticket && !ticket.partial) {
      return ClerkCore.recallLabel(ticket.recalls, model.hall && model.hall.policy.max_recalls);
    }
    if (action === "resume-ticket") return `挂起 ${model.queue.suspended.length} 个`;
    return "";
  }

  function renderOutcomes(state) {
    $("outcomes").hidden = state !== "serving";
    for (const [outcome, node] of outcomeButtons) {
      node.classList.toggle("selected", outcome === model.outcome);
      node.setAttribute("aria-checked", String(outcome === model.outcome));
    }
  }

  start();
})();
