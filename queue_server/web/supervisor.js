/*
 * The supervisor console: the shell around SupervisorCore and HourChart.
 *
 * Live from the hall feed: windows (state, ticket, time in state), waiting
 * counts and printer faults (device.status, and the snapshot's devices).
 * From the REST API, refreshed after feed events (debounced) and on a timer:
 * the queues (GET /queues) and today's figures (GET /stats). Alerts come
 * from GET /alerts (the day's, so a console opened late shows them all),
 * reloaded on every alert.raised and alert.acked: an alert stays open until
 * a supervisor acknowledges it (POST /alerts/{id}/ack, on any console), and
 * then moves to the day's history with who and when. The figures' day is
 * kept on <body data-today>: the dialogs that read a chosen day start on it.
 */
(function () {
  "use strict";

  const { $, el, button, syncList } = StaffUi;
  const Core = SupervisorCore;
  const body = document.body;
  const hall = body.dataset.hall;
  const hallPath = `/api/halls/${encodeURIComponent(hall)}`;
  const QUEUES_DEBOUNCE_MS = 500;
  const STATS_DEBOUNCE_MS = 1500;
  const QUEUES_EVERY_MS = 20000; // waits grow between events
  const STATS_EVERY_MS = 60000;
  const CONFIG_RETRY_MS = 3000;
  const { EVENT_TYPES: EVENT, MESSAGE_TYPES: MSG } = window.YiChuangProtocol;

  const model = {
    hall: null, // GET /api/halls/{hall}
    catalogue: null, // GET /api/services
    queues: null, // GET /queues
    stats: null, // GET /stats
    alerts: [], // GET /alerts: the day's, oldest first, each with `acked` (null or {by, at})
    devices: [], // the snapshot's, updated by device.status
    services: new Map(), // ticket number -> {service, category}, learnt from feed events
    busy: null, // the action in flight
  };
  let feed = null;

  // ------------------------------------------------------------ start

  async function start() {
    feed = HallSocket.start({
      hall,
      session: true, // opened from /login: the session cookie instead of ?token=
      refusals: { 4401: "令牌无效或已被撤销，或登录已失效：请重新登录" },
      onMessage: received,
      onRefused: StaffUi.showFatal,
    });
    StaffUi.startClock(() => zone(), () => feed.serverNow());
    setInterval(renderWindows, 1000); // the time each window has spent in its state
    $("export").addEventListener("click", exportCsv);
    document.addEventListener("keydown", onKey);
    await loadConfig();
    setInterval(() => refresh("queues"), QUEUES_EVERY_MS);
    setInterval(() => refresh("stats"), STATS_EVERY_MS);
    setInterval(() => refresh("alerts"), STATS_EVERY_MS); // one missed while the feed was away
  }

  function zone() {
    const state = feed && feed.state();
    return state && state.hall ? state.hall.timezone : null;
  }

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
      StaffUi.showFatal(StaffCore.describeError(failed, "读取大厅配置"));
      return;
    }
    if (!["supervisor", "admin"].includes(who.data.role)) {
      StaffUi.showFatal("主管台需要主管令牌（supervisor）");
      return;
    }
    model.hall = hallView.data;
    model.catalogue = catalogue.data;
    refresh("queues");
    refresh("stats");
    refresh("alerts");
    renderAll();
  }

  // ------------------------------------------------------------ the feed

  function received(msg, { applied }) {
    if (!applied) return;
    document.dispatchEvent(new CustomEvent("hall-feed", { detail: msg })); // for the console's other scripts
    const data = msg.data || {};
    if (msg.type === MSG.SNAPSHOT) {
      if (model.hall) StaffUi.hideFatal();
      // Only what can be drawn: hall-socket.js has checked the board, not these.
      model.devices = Array.isArray(data.devices)
        ? data.devices.filter((d) => isObject(d) && typeof d.id === "string")
        : [];
    } else if (msg.type === EVENT.DEVICE_STATUS && isObject(data.device) && typeof data.device.id === "string") {
      model.devices = [data.device, ...model.devices.filter((d) => d.id !== data.device.id)];
    } else if (msg.type === EVENT.ALERT_RAISED || msg.type === EVENT.ALERT_ACKED) {
      schedule("alerts", 0);
    } else if (msg.type === EVENT.WINDOW_UPDATED) {
      reloadHall();
    }
    if (isObject(data.ticket) && typeof data.ticket.number === "string") {
      model.services.set(data.ticket.number, { service: data.ticket.service, category: data.ticket.category });
    }
    schedule("queues", QUEUES_DEBOUNCE_MS);
    schedule("stats", STATS_DEBOUNCE_MS);
    renderAll();
  }

  async function reloadHall() {
    const result = await Api.call("GET", hallPath);
    if (result.ok) model.hall = result.data;
  }

  function isObject(value) {
    return value !== null && typeof value === "object" && !Array.isArray(value);
  }

  // ------------------------------------------------------------ REST refreshes

  // One loader per resource: debounced after events, never two requests at once.
  const loaders = {
    queues: { path: "/queues", apply: (data) => { model.queues = data; renderQueues(); } },
    stats: { path: "/stats", apply: (data) => { model.stats = data; renderFigures(); } },
    alerts: { path: "/alerts", apply: (data) => { model.alerts = data.alerts; renderAlerts(); } },
  };
  const timers = {};
  const loading = {};
  const again = {};

  function schedule(name, delayMs) {
    clearTimeout(timers[name]);
    timers[name] = setTimeout(() => refresh(name), delayMs);
  }

  async function refresh(name) {
    if (!model.hall) return;
    if (loading[name]) {
      again[name] = true;
      return;
    }
    loading[name] = true;
    const result = await Api.call("GET", hallPath + loaders[name].path);
    loading[name] = false;
    if (result.ok) loaders[name].apply(result.data);
    if (again[name]) {
      again[name] = false;
      refresh(name);
    }
  }

  // ------------------------------------------------------------ actions

  const ACTION_LABELS = { open: "开窗", pause: "暂停", resume: "恢复", close: "关窗", transfer: "转办" };

  async function windowAction(w, action) {
    if (model.busy) return;
    let payload;
    if (action === "transfer") {
      const known = model.services.get(w.ticket) || {};
      payload = await StaffDialogs.transfer({
        ticket: { number: w.ticket, ...known },
        catalogue: model.catalogue,
        hall: model.hall,
        fromWindow: w.number,
      });
      if (!payload) return;
    }
    await send(`${hallPath}/windows/${w.number}/${action}`, payload, `${w.label}${ACTION_LABELS[action]}`);
  }

  async function cancelTicket(ticket) {
    if (model.busy) return;
    const yes = await StaffDialogs.confirm(
      `取消 ${ticket.number}`,
      `确定取消 ${ticket.number}（${ticket.service_name}）？取消后该号码不再被叫，办事人需重新取号。`,
      "确定取消",
    );
    if (!yes) return;
    const path = `${hallPath}/tickets/${encodeURIComponent(ticket.number)}/cancel`;
    await send(path, undefined, `取消 ${ticket.number}`);
  }

  /** Acknowledge an alert: it leaves the open list on every console (alert.acked). */
  async function ackAlert(alert) {
    if (model.busy) return;
    await send(`${hallPath}/alerts/${encodeURIComponent(alert.id)}/ack`, undefined, `确认预警 ${Core.alertText(alert).title}`);
    schedule("alerts", 0);
  }

  /** POST one action; every action button is disabled until it is answered. */
  async function send(path, payload, doing) {
    model.busy = doing;
    renderAll();
    const result = await Api.call("POST", path, payload);
    model.busy = null;
    if (result.ok) StaffUi.showMessage(`${doing}：已完成`, "ok");
    else StaffUi.showMessage(StaffCore.describeError(result, doing), "error");
    if (result.status === 409) feed.resync();
    schedule("queues", 0);
    renderAll();
  }

  /** The day's tickets as CSV: the endpoint wants the Authorization header, so fetch and save. */
  async function exportCsv() {
    const button = $("export");
    button.disabled = true;
    try {
      const response = await fetch(`${Api.root()}${hallPath}/tickets.csv`, {
        headers: { Authorization: `Bearer ${Api.token}` },
        cache: "no-store",
      });
      if (!response.ok) {
        const data = await response.json().catch(() => ({}));
        StaffUi.showMessage(StaffCore.describeError({ status: response.status, data }, "导出"), "error");
        return;
      }
      const day = model.stats ? model.stats.date : "today";
      saveBlob(await response.blob(), `${hall}-tickets-${day}.csv`);
      StaffUi.showMessage("已导出今日明细（不含证件号与姓名）", "ok");
    } catch (err) {
      StaffUi.showMessage("网络连接失败，导出未完成", "error");
    } finally {
      button.disabled = false;
    }
  }

  function saveBlob(blob, filename) {
    const url = URL.createObjectURL(blob);
    const link = el("a", null, null, { href: url, download: filename });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  }

  function onKey(event) {
    if (StaffUi.typingOrDialog(event) || event.ctrlKey || event.altKey || event.metaKey) return;
    if (event.key.toLowerCase() === "e") {
      event.preventDefault();
      exportCsv();
    }
  }

  // ------------------------------------------------------------ drawing

  function renderAll() {
    body.dataset.busy = model.busy || "";
    const state = feed.state();
    if (state.hall) {
      $("hall-name").textContent = state.hall.name;
      document.title = `主管台 · ${state.hall.name}`;
    }
    renderWindows();
    renderWaiting(state.waiting);
    renderQueues();
    renderAlerts();
  }

  function renderWindows() {
    if (!feed) return;
    const windows = feed.state().windows;
    const now = feed.serverNow();
    syncList($("windows"), windows, (w) => w.number, createTile, (tile, w) => updateTile(tile, w, now));
    const count = (s) => windows.filter((w) => w.state === s).length;
    const staffed = windows.length - count("closed");
    $("windows-summary").textContent = [
      `开放 ${staffed}/${windows.length}`,
      `办理 ${count("serving")}`,
      `叫号 ${count("calling")}`,
      `空闲 ${count("open")}`,
      `暂停 ${count("paused")}`,
    ].join(" · ");
  }

  function createTile(w) {
    const actions = Object.keys(ACTION_LABELS).map((action) =>
      button(`tile-action action-${action}`, ACTION_LABELS[action], () => windowAction(tile.current, action), {
        "data-action": action,
      }));
    const tile = el("li", "window-tile", [
      el("div", "tile-row", [el("span", "tile-label"), el("span", "state-badge")]),
      el("div", "tile-row", [el("span", "tile-ticket"), el("span", "tile-service")]),
      el("div", "tile-row", [el("span", "tile-age"), el("span", "tile-actions", actions)]),
    ], { "data-window": w.number });
    return tile;
  }

  function updateTile(tile, w, now) {
    tile.current = w;
    tile.className = `window-tile state-${w.state}${Core.windowLong(w, now) ? " long" : ""}`;
    tile.querySelector(".tile-label").textContent = w.label;
    const badge = tile.querySelector(".state-badge");
    badge.textContent = w.state_zh;
    badge.className = `state-badge state-${w.state}`;
    tile.querySelector(".tile-ticket").textContent = w.ticket || "";
    tile.querySelector(".tile-age").textContent = Core.windowAge(w, now);
    tile.querySelector(".tile-service").textContent = w.ticket ? serviceNameOf(w.ticket) : "";
    const fitting = Core.windowActions(w.state);
    for (const node of tile.querySelectorAll(".tile-action")) {
      node.hidden = !fitting.includes(node.dataset.action);
      node.disabled = Boolean(model.busy) || !model.hall;
    }
  }

  function serviceNameOf(number) {
    const state = feed.state();
    const call = [...state.nowCalling, ...state.lastCalls].find((c) => c.number === number);
    return call ? call.service_name : "";
  }

  function renderWaiting(waiting) {
    $("waiting-total").textContent = waiting ? String(waiting.total) : "0";
    $("waiting-green").textContent = waiting ? String(waiting.green_channel) : "0";
  }

  function renderQueues() {
    if (!model.queues || !model.catalogue) return;
    const duration = (s) => StaffCore.formatDuration(s) || "—";
    syncList($("categories"), Core.categoryRows(model.queues, model.catalogue.categories), (c) => c.category,
      () => el("li", "category", [
        el("span", "category-name"),
        el("b", "category-count"),
        el("span", "category-oldest"),
      ]),
      (node, c) => {
        node.className = `category${c.waiting ? "" : " none"}${c.over ? " over" : ""}`;
        node.querySelector(".category-name").textContent = c.name;
        node.querySelector(".category-count").textContent = String(c.waiting);
        node.querySelector(".category-oldest").textContent = c.waiting ? `最久 ${duration(c.oldestWaitS)}` : "";
      });
    const services = Core.serviceRows(model.queues);
    syncList($("services"), services, (s) => s.service,
      () => el("tr", null, ["service-name", "num", "num oldest", "num target"].map((c) => el("td", c))),
      (row, s) => {
        row.className = s.over ? "over" : "";
        const cells = row.children;
        cells[0].textContent = s.service_name;
        cells[1].textContent = s.away ? `${s.waiting}（另 ${s.away} 未到场）` : String(s.waiting);
        cells[2].textContent = duration(s.oldest_wait_s);
        cells[3].textContent = duration(s.target_s);
      });
    renderTickets(Core.ticketRows(model.queues));
  }

  function renderTickets(rows) {
    syncList($("tickets"), rows, (t) => `${t.number}:${t.status}`, (t) => {
      const item = el("li", "ticket", [
        el("b", "ticket-number", t.number),
        t.green_channel ? el("span", "badge green", "绿色通道") : null,
        el("span", "ticket-service"),
        el("span", "ticket-wait"),
        button("ticket-cancel", "取消", () => cancelTicket(item.current), { "aria-label": `取消 ${t.number}` }),
      ], { "data-number": t.number });
      return item;
    }, (item, t) => {
      item.current = t;
      item.className = `ticket${t.over ? " over" : ""}${t.status === "suspended" || t.away ? " suspended" : ""}`;
      item.querySelector(".ticket-service").textContent = t.service_name;
      const where = t.directed_window ? ` · 指定 ${t.directed_window} 号窗口` : "";
      const away = t.away ? " · 未到场（线上取号）" : "";
      item.querySelector(".ticket-wait").textContent = t.status === "suspended"
        ? `挂起${where}`
        : `已等 ${StaffCore.formatDuration(t.waited_s)}${t.over ? " · 超时" : ""}${where}${away}`;
      item.querySelector(".ticket-cancel").disabled = Boolean(model.busy);
    });
    $("tickets").dataset.empty = String(!rows.length);
  }

  function renderAlerts() {
    const z = zone();
    const at = (iso) => (z && iso ? StaffCore.hallTime(new Date(iso), z) : "");
    const { open, done } = Core.alertLists(model.alerts);
    syncList($("alerts"), open, (a) => a.id, (a) => {
      const words = Core.alertText(a);
      return el("li", `alert kind-${a.kind}`, [
        el("span", "alert-time", at(a.at)),
        el("b", "alert-title", words.title),
        el("span", "alert-detail", words.detail),
        button("alert-ack", "确认处理", () => ackAlert(a), { "aria-label": `确认 ${words.title}` }),
      ], { "data-alert": a.id });
    }, (node) => {
      node.querySelector(".alert-ack").disabled = Boolean(model.busy);
    });
    syncList($("alerts-done"), done, (a) => a.id, (a) => {
      const words = Core.alertText(a);
      return el("li", `alert done kind-${a.kind}`, [
        el("span", "alert-time", at(a.at)),
        el("b", "alert-title", words.title),
        el("span", "alert-detail", words.detail),
        el("span", "alert-acked", `${at(a.acked.at)} ${a.acked.by} 已确认`),
      ], { "data-alert": a.id });
    }, () => {});
    $("alerts-empty").hidden = open.length > 0;
    $("alerts-empty").textContent = done.length ? "预警均已处理" : "暂无预警";
    $("alerts-count").textContent = open.length ? `${open.length} 条待处理` : "";
    $("alerts-history").hidden = !done.length;
    $("alerts-done-count").textContent = String(done.length);
    syncList($("devices"), Core.deviceRows(model.devices), (d) => d.id, () => el("li", "device"), (node, d) => {
      node.className = `device${d.state === "ok" ? " ok" : " fault"}`;
      const since = z && d.since ? `（${StaffCore.hallTime(new Date(d.since), z)} 起）` : "";
      const detail = d.detail ? ` · ${d.detail}` : "";
      node.textContent = `${d.label || "取号机"}：${d.state_zh}${detail}${d.state === "ok" ? "" : since}`;
    });
  }

  function renderFigures() {
    const stats = model.stats;
    if (!stats) return;
    body.dataset.today = stats.date; // the day the dialogs start on
    syncList($("kpis"), Core.kpis(stats), (k) => k.id,
      (k) => el("li", "kpi", [
        el("span", "kpi-label"),
        el("b", "kpi-value", null, { id: `kpi-${k.id}` }),
        el("span", "kpi-note"),
      ]),
      (node, k) => {
        node.querySelector(".kpi-label").textContent = k.label;
        node.querySelector(".kpi-value").textContent = k.value;
        node.querySelector(".kpi-note").textContent = k.note;
      });
    const svg = $("hour-chart");
    const box = svg.getBoundingClientRect();
    HourChart.draw(svg, HourChart.geometry(stats.by_hour, Math.max(320, box.width), Math.max(180, box.height)));
    renderRatings(stats.ratings);
    const z = zone();
    $("figures-at").textContent = z ? `数据更新于 ${StaffCore.hallTime(new Date(feed.serverNow()), z)}` : "";
  }

  function renderRatings(ratings) {
    $("ratings-summary").textContent = ratings.count
      ? `${ratings.count} 次 · 平均 ${ratings.mean} 分`
      : "今日暂无评价";
    syncList($("ratings"), Core.ratingRows(ratings), (r) => r.grade,
      (r) => el("li", `rating grade-${r.grade}`, [
        el("span", "rating-label", r.label),
        el("span", "rating-bar", [el("span", "rating-fill")]),
        el("b", "rating-count", null, { id: `rating-${r.grade}` }),
      ]),
      (node, r) => {
        node.querySelector(".rating-fill").style.width = `${Math.round(r.share * 100)}%`;
        node.querySelector(".rating-count").textContent = String(r.count);
      });
  }

  start();
})();
