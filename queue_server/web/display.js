/*
 * The shell of the hall screens: drawing, clock and voice. The connection
 * (socket, reconnection with backoff, watchdog, resync) is hall-socket.js's,
 * shared with the staff pages; the board's data and the feed's rules live in
 * feed.js (a pure reducer); the names shared with the server come from
 * /static/protocol.js. This file only turns the board into pixels and sound.
 *
 * One script for both pages; <body data-mode="board|window"> says which. For
 * tests and for whoever looks at a screen with devtools, <body> exposes
 * data-state (connecting | live | disconnected | error), data-seq (the last
 * applied seq) and data-voice (off | on | unsupported); window.YiChuangBoard
 * gives feed.js's state and the count of messages skipped as unreadable.
 */
(function () {
  "use strict";

  const Feed = window.YiChuangFeed;
  const P = window.YiChuangProtocol;
  const body = document.body;

  const config = {
    mode: body.dataset.mode,
    hall: body.dataset.hall,
    window: Number(body.dataset.window) || null,
  };

  const FLASH_MS = 8000; // how long a new call stays highlighted
  const RECENT_SHOWN = 8;

  // The screens' own words for a refusal (the close codes are 4000 + HTTP status).
  const REFUSALS = {
    4401: "显示令牌无效或已被撤销",
    4403: "此令牌无权查看本大厅",
    4404: "找不到该大厅",
    missingToken: "显示屏地址缺少令牌：请在地址后加上 ?token=…",
  };

  const $ = (id) => document.getElementById(id);

  // ------------------------------------------------------------------ connection

  let feed = null; // hall-socket.js's handle, once started

  function state() {
    return feed ? feed.state() : Feed.initialState();
  }

  function received(msg, { effects }) {
    for (const effect of effects) {
      if (effect.type === "call" && concernsThisScreen(effect.call)) {
        flash();
        announce(effect.voice);
      }
    }
    render();
  }

  function concernsThisScreen(call) {
    return config.mode !== "window" || call.window === config.window;
  }

  // hall-socket.js has set data-state to "error" when it calls this.
  function showRefusal(reason) {
    $("fatal-message").textContent = reason || "连接被服务器拒绝";
    $("fatal").hidden = false;
  }

  // ------------------------------------------------------------------ drawing

  function render() {
    const board = state();
    if (board.awaitingSnapshot && board.seq === null) return;
    try {
      tick(); // the first snapshot brings the hall's time zone
      if (config.mode === "window") renderWindowScreen(board);
      else renderBoard(board);
    } catch (err) {
      // Never a dead screen: what drew stays, the next message draws again.
      feed.problems()(`drawing: ${err && err.message}`);
    }
  }

  function renderBoard(state) {
    $("hall-name").textContent = state.hall ? state.hall.name : "";
    if (state.hall) document.title = `${state.hall.name} · 叫号综合屏`;
    const latest = Feed.latestCall(state);
    renderLatest(latest);
    renderRecent(state.lastCalls.filter((c) => !latest || c.number !== latest.number));
    renderWindows(state.windows);
    renderWaiting(state.waiting);
    renderAnnouncement(state.hall ? state.hall.announcement : "");
  }

  // Redrawn only when the line changes: every message redraws the board, and
  // setting the same text again would restart the scrolling from the right.
  function renderAnnouncement(line) {
    const box = $("announcement");
    const text = $("announcement-text");
    if (text.textContent === line && box.hidden === !line) return;
    text.textContent = line;
    box.hidden = !line;
    document.querySelector(".board").classList.toggle("has-notice", Boolean(line));
    box.classList.remove("scrolling");
    if (!line) return;
    const track = $("announcement-track");
    if (text.offsetWidth > track.clientWidth) {
      // About 6 characters a second, read comfortably from across the hall.
      text.dataset.line = line;
      box.style.setProperty("--ticker-s", `${Math.max(10, Math.round(line.length / 6))}s`);
      box.classList.add("scrolling");
    }
  }

  function renderLatest(call) {
    $("latest").classList.toggle("idle", !call);
    $("latest-number").textContent = call ? call.number : "今日暂无叫号";
    $("latest-window").textContent = call ? `${call.window}号窗口` : "";
    $("latest-service").textContent = call ? call.service_name : "";
    $("latest-badge").hidden = !(call && call.green_channel);
    $("latest-reason").textContent = call ? P.CALL_REASON_BOARD[call.call_reason] || "" : "";
  }

  /** A recent call's head start, when it went before numbers taken earlier (never who or why). */
  function reasonTag(c) {
    const reason = c.call_reason;
    if (!reason || reason === P.CALL_REASONS.LONGEST_WAIT) return null;
    if (reason === P.CALL_REASONS.GREEN && c.green_channel) return null; // the badge says it
    return el("span", "badge reason", P.CALL_REASON_ZH[reason]);
  }

  function renderRecent(calls) {
    const items = calls.slice(0, RECENT_SHOWN).map((c) =>
      el("li", "recent-item", [
        el("span", "recent-number", c.number),
        el("span", "recent-window", `${c.window}号窗口`),
        c.green_channel ? el("span", "badge green", "绿色通道") : null,
        reasonTag(c),
      ]),
    );
    $("recent").replaceChildren(...items);
  }

  function renderWindows(windows) {
    const tiles = windows.map((w) =>
      el("li", `window-tile state-${w.state}`, [
        el("span", "tile-label", w.label),
        el("span", "tile-row", [
          el("span", "tile-ticket", w.ticket || "—"),
          el("span", "tile-state", w.state_zh),
        ]),
      ]),
    );
    const grid = $("windows");
    grid.replaceChildren(...tiles);
    // Few windows get two wide columns and large type; a big hall gets more, smaller tiles.
    const columns = windows.length > 18 ? 4 : windows.length > 8 ? 3 : 2;
    grid.style.setProperty("--columns", String(columns));
    grid.dataset.dense = String(columns > 2);
  }

  function renderWaiting(waiting) {
    const w = waiting || { total: 0, green_channel: 0, by_category: [] };
    $("waiting-total").textContent = String(w.total);
    $("waiting-green").textContent = String(w.green_channel);
    const items = w.by_category.map((c) =>
      el("li", c.count ? "category" : "category none", [
        el("span", "category-name", c.name),
        el("b", "category-count", String(c.count)),
      ]),
    );
    $("waiting-categories").replaceChildren(...items);
  }

  const WINDOW_NOTES = {
    calling: (n) => `请 ${n} 号到本窗口办理`,
    serving: () => "正在办理",
    open: () => "请留意叫号",
    paused: () => "暂停服务，请到其他窗口办理",
    closed: () => "本窗口暂未开放",
  };

  function renderWindowScreen(state) {
    const w = Feed.windowOf(state, config.window);
    if (!w) {
      feed.setConnection("error");
      showRefusal(`本大厅没有 ${config.window} 号窗口`);
      return;
    }
    if (body.dataset.state === "error") feed.setConnection("live"); // the window was added since
    document.title = `${w.label} · 窗口屏`;
    $("window-label").textContent = w.label;
    const stateEl = $("window-state");
    stateEl.textContent = w.state_zh;
    stateEl.className = `window-state state-${w.state}`;
    const holding = w.ticket && P.HOLDING_STATES.includes(w.state);
    $("window-current").className = `window-current state-${w.state}${holding ? "" : " idle"}`;
    $("window-number").textContent = holding ? w.ticket : "—";
    $("window-badge").hidden = !(holding && Feed.isGreen(state, w.ticket));
    const note = WINDOW_NOTES[w.state] || (() => "");
    $("window-note").textContent = note(w.ticket);
    // A hall that shows staff (policy window_shows_staff) names who serves here.
    $("window-staff").textContent = w.staff ? `工号 ${w.staff.staff_no}　${w.staff.name}` : "";
    $("window-staff").hidden = !w.staff;
  }

  function el(tag, className, content) {
    const node = document.createElement(tag);
    node.className = className;
    if (Array.isArray(content)) node.append(...content.filter(Boolean));
    else node.textContent = content; // text only: labels and names are never parsed as HTML
    return node;
  }

  // A new call pulses for a few seconds; restarting the animation needs a reflow.
  let flashTimer = null;
  function flash() {
    const target = $(config.mode === "window" ? "window-current" : "latest");
    target.classList.remove("flash");
    void target.offsetWidth;
    target.classList.add("flash");
    clearTimeout(flashTimer);
    flashTimer = setTimeout(() => target.classList.remove("flash"), FLASH_MS);
  }

  // ------------------------------------------------------------------ clock

  const formats = new Map();

  function formatter(zone, options) {
    const key = `${zone}|${JSON.stringify(options)}`;
    if (!formats.has(key)) {
      try {
        formats.set(key, new Intl.DateTimeFormat("zh-CN", { ...options, timeZone: zone }));
      } catch (err) {
        // An unknown zone name: the screen's own time beats no clock at all.
        formats.set(key, new Intl.DateTimeFormat("zh-CN", options));
      }
    }
    return formats.get(key);
  }

  function tick() {
    // The hall's zone, not the screen's: a TV set to UTC must still show Beijing
    // time. Until the first snapshot says which zone, show no time at all.
    const hall = state().hall;
    if (!hall) return;
    const zone = hall.timezone;
    const now = new Date();
    $("time").textContent = formatter(zone, {
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
      hourCycle: "h23",
    }).format(now);
    const date = $("date");
    if (date) {
      date.textContent = formatter(zone, {
        year: "numeric",
        month: "long",
        day: "numeric",
        weekday: "long",
      }).format(now);
    }
  }

  // ------------------------------------------------------------------ voice

  // speech.js queues the lines: each call is said twice, calls never talk
  // over each other, and a stale backlog (more than three calls) is dropped.
  const voice = Speech.create({ backlog: 6 });

  function setupVoice() {
    const button = $("voice");
    if (!voice.supported) {
      body.dataset.voice = "unsupported";
      return;
    }
    button.hidden = false;
    // Browsers start audio only after a user gesture: this click is it.
    button.addEventListener("click", () => {
      voice.enabled = true;
      body.dataset.voice = "on";
      button.hidden = true;
      voice.say("语音播报已启用");
    });
  }

  function announce(text) {
    voice.say(text, 2);
  }

  // ------------------------------------------------------------------ start

  function start() {
    setupVoice();
    tick();
    setInterval(tick, 1000);
    feed = HallSocket.start({
      hall: config.hall,
      label: "叫号屏",
      refusals: REFUSALS,
      onMessage: received,
      onRefused: showRefusal,
      onConnection: (name) => {
        if (name !== "error") $("fatal").hidden = true;
      },
    });
    DeviceBeat.start({
      hall: config.hall,
      onRefused: (message) => {
        feed.setConnection("error");
        showRefusal(message);
      },
    });
  }

  // For tests and devtools: the board as the reducer holds it, and the problems seen.
  window.YiChuangBoard = Object.freeze({ state, problems: () => feed.problems() });

  start();
})();
