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
      return `${scheme}//${location.host}${path}?token=${encodeURIComponent(config.token)}`;
    }

    function connect() {
      retryTimer = null;
      const ws = new WebSocket(url());
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

    // Whatever arrives, the page keeps working: what cannot be read is skipped,
    // said once per kind on the console, and a fresh snapshot is asked for.
    const problems = Feed.onceEach((problem) => console.warn(`大厅消息：已跳过无法读取的消息（${problem}），正在重新同步`));

    function receive(text) {
      const parsed = Feed.parse(text);
      const before = state;
      const result = "msg" in parsed ? Feed.applyMessage(state, parsed.msg) : Feed.skip(state, parsed.problem);
      state = result.state;
      if (result.problem) problems(result.problem);
      const msg = parsed.msg;
      // A snapshot is read entry by entry: with some entries left out, it still counts.
      const read = !result.problem || (Boolean(msg) && msg.type === "snapshot" && !state.awaitingSnapshot);
      if (!read) {
        if (result.effects.length) resync(true);
        document.body.dataset.seq = state.seq === null ? "" : String(state.seq);
        return; // the page never sees what could not be read
      }
      const at = typeof msg.at === "string" ? Date.parse(msg.at) : NaN;
      if (!Number.isNaN(at) && (msg.type === "snapshot" || msg.type === "heartbeat")) {
        skewMs = at - Date.now();
      }
      if (msg.type === "snapshot") {
        attempts = 0;
        resyncAskedAt = null;
        setConnection("live");
      }
      for (const effect of result.effects) {
        if (effect.type === "resync") resync(true);
      }
      document.body.dataset.seq = state.seq === null ? "" : String(state.seq);
      try {
        onMessage(msg, { applied: wasApplied(before, state, msg), state });
      } catch (err) {
        // The page could not take it in: start it again from a fresh snapshot
        // (not after a snapshot: asking again would bring the same one).
        problems(`${String(msg.type).slice(0, 40)}: the page could not take it in (${err && err.message})`);
        if (msg.type !== "snapshot") {
          state = { ...state, awaitingSnapshot: true };
          resync(true);
        }
      }
    }

    /** Ask for a fresh snapshot; `once`: not while one asked for is still awaited. */
    function resync(once) {
      if (once === true && resyncAskedAt !== null) return;
      if (socket && socket.readyState === WebSocket.OPEN) {
        socket.send(JSON.stringify({ type: "resync" }));
        resyncAskedAt = Date.now();
      }
    }

    function lost(code) {
      state = { ...state, awaitingSnapshot: true }; // stale until the next snapshot
      resyncAskedAt = null;
      const reason = REFUSED[code] || (code >= 4000 && state.error && state.error.message);
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
      problems: () => problems,
      serverNow: () => Date.now() + skewMs,
      resync,
      live: () => document.body.dataset.state === "live",
    };
  }

  return Object.freeze({ start, wasApplied });
})();
