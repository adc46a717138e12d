/*
 * The hall feed connection of the staff pages (clerk, evaluator, supervisor):
 * socket, reconnection with backoff and jitter, watchdog, resync, and the
 * "连接中断" banner. The feed's rules stay in feed.js (the pure reducer the
 * hall screens use too); this file only moves messages.
 *
 *   const feed = HallSocket.start({hall, onMessage, onRefused});
 *   onMessage(msg, {applied, state})   // after each message; `applied` is true
 *                                      // for a snapshot and for an event that
 *                                      // was applied in seq order (so a page may
 *                                      // act on event types feed.js ignores,
 *                                      // such as alert.raised, exactly once)
 *   feed.state()      // feed.js's board state
 *   feed.serverNow()  // Date.now() corrected by the server clock (window.since durations)
 *   feed.resync()     // ask for a fresh snapshot (e.g. after a 409 said we are behind)
 *
 * Like the hall screens, <body> exposes data-state (connecting | live |
 * disconnected | error) and data-seq, for tests and for devtools.
 */
const HallSocket = (() => {
  "use strict";

  const Feed = window.YiChuangFeed;
  const RESYNC_WAIT_MS = 10000; // no snapshot 10 s after a resync: start afresh
  const BACKOFF_MIN_MS = 1000;
  const BACKOFF_MAX_MS = 30000;

  // Close codes the server uses for refusals (4000 + HTTP status, docs/feed.md).
  const REFUSED = {
    4401: "令牌无效或已被撤销",
    4403: "此令牌无权访问本大厅",
    4404: "找不到该大厅",
  };

  /** Whether `msg` changed the board: a snapshot, or the event right after `before.seq`. */
  function wasApplied(before, after, msg) {
    if (msg.type === "snapshot") return true;
    if (msg.type === "heartbeat" || msg.type === "error") return false;
    return !before.awaitingSnapshot && typeof msg.seq === "number" && msg.seq === before.seq + 1 &&
      after.seq === msg.seq;
  }

  function start(options) {
    const params = new URLSearchParams(location.search);
    const config = {
      hall: options.hall,
      token: params.get("token") || "",
      // Heartbeats come every 15 s: three missed ones mean a dead connection.
      // `?watchdog_s=` shortens it for tests and diagnosis.
      deadAfterMs: Math.max(1, Number(params.get("watchdog_s")) || 45) * 1000,
    };
    const onMessage = options.onMessage || (() => {});
    const onRefused = options.onRefused || (() => {});

    let state = Feed.initialState();
    let socket = null;
    let attempts = 0;
    let lastHeard = 0;
    let retryTimer = null;
    let resyncAskedAt = null;
    let skewMs = 0;

    function url() {
      const scheme = location.protocol === "https:" ? "wss:" : "ws:";
      const path = `${Api.root()}/ws/halls/${encodeURIComponent(config.hall)}/board`;
      return `${scheme}//${location.host}${path}`; // the token rides in the subprotocols
    }

    function connect() {
      retryTimer = null;
      const ws = new WebSocket(url(), ["yichuang", `bearer.${config.token}`]);
      socket = ws;
      lastHeard = Date.now(); // the watchdog also bounds a connect that never completes
      // A socket the watchdog gave up on may still fire late events: ignore them.
      ws.onmessage = (e) => {
        if (ws !== socket) return;
        lastHeard = Date.now();
        receive(e.data);
      };
      ws.onclose = (e) => {
        if (ws !== socket) return;
        socket = null;
        lost(e.code);
      };
    }

    function receive(text) {
      let msg;
      try {
        msg = JSON.parse(text);
      } catch (err) {
        return; // not ours to understand; the seq rules catch anything lost
      }
      if (!msg || typeof msg !== "object") return;
      const before = state;
      const result = Feed.applyMessage(state, msg);
      state = result.state;
      if (msg.at && (msg.type === "snapshot" || msg.type === "heartbeat")) {
        skewMs = Date.parse(msg.at) - Date.now();
      }
      if (msg.type === "snapshot") {
        attempts = 0;
        resyncAskedAt = null;
        setConnection("live");
      }
      for (const effect of result.effects) {
        if (effect.type === "resync") resync();
      }
      document.body.dataset.seq = state.seq === null ? "" : String(state.seq);
      onMessage(msg, { applied: wasApplied(before, state, msg), state });
    }

    function resync() {
      if (socket && socket.readyState === WebSocket.OPEN) {
        socket.send(JSON.stringify({ type: "resync" }));
        resyncAskedAt = Date.now();
      }
    }

    function lost(code) {
      state = { ...state, awaitingSnapshot: true }; // stale until the next snapshot
      resyncAskedAt = null;
      const reason = REFUSED[code] || (state.error && state.error.message);
      if (reason) {
        // A refusal does not heal by itself soon: retry slowly, say why meanwhile.
        setConnection("error");
        onRefused(reason);
        retryLater(BACKOFF_MAX_MS);
        return;
      }
      setConnection("disconnected");
      retryLater(backoff());
    }

    // Exponential backoff with jitter: the pages of a hall that lost the server
    // together must not all come back in the same instant.
    function backoff() {
      const ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** attempts);
      attempts += 1;
      return ceiling / 2 + Math.random() * (ceiling / 2);
    }

    function retryLater(delayMs) {
      if (retryTimer === null) retryTimer = setTimeout(connect, delayMs);
    }

    // Heartbeats keep a socket looking alive even when the resync it asked for
    // never comes, so an unanswered resync counts as dead too.
    function watchdog() {
      const now = Date.now();
      const silent = now - lastHeard > config.deadAfterMs;
      const unanswered = resyncAskedAt !== null && now - resyncAskedAt > RESYNC_WAIT_MS;
      if (socket && (silent || unanswered)) {
        const dead = socket;
        socket = null; // its late onclose is ignored
        dead.close();
        lost(0);
      }
    }

    function setConnection(name) {
      document.body.dataset.state = name;
      const banner = document.getElementById("banner");
      if (!banner) return;
      banner.textContent = name === "connecting" ? "正在连接大厅…" : "连接中断，正在重连…";
      banner.hidden = name === "live" || name === "error";
    }

    if (!config.token) {
      setConnection("error");
      onRefused("页面地址缺少令牌：请在地址后加上 ?token=…");
    } else {
      setConnection("connecting");
      setInterval(watchdog, 1000);
      connect();
    }

    return {
      state: () => state,
      serverNow: () => Date.now() + skewMs,
      resync,
      live: () => document.body.dataset.state === "live",
    };
  }

  return Object.freeze({ start, wasApplied });
})();
