/*
 * The hall feed connection of every page that follows it (the lobby board and
 * window screens, clerk, evaluator, supervisor): socket, reconnection with
 * backoff and jitter, watchdog, resync, and the "连接中断" banner. The feed's
 * rules stay in feed.js (the pure reducer); this file only moves messages.
 *
 *   const feed = HallSocket.start({hall, onMessage, onRefused, onConnection, label, refusals});
 *   onMessage(msg, {applied, state, effects})
 *                     // after each message read; `applied` is true for a snapshot
 *                     // and for an event applied in seq order (so a page may act
 *                     // on event types feed.js ignores, such as alert.raised,
 *                     // exactly once); `effects` are feed.js's (a "call" to flash
 *                     // and speak; the resyncs are done here)
 *   onConnection(name)  // each change of data-state, e.g. to hide a refusal
 *   label             // names the page in the console's warnings
 *   refusals          // the page's own words for 4401/4403/4404 and `missingToken`
 *   session           // true on staff pages: with no ?token=, the signed-in
 *                     // member's session cookie is the credential (/login)
 *   feed.state()      // feed.js's board state
 *   feed.problems()   // the once-per-kind logger (count, said) of what was skipped
 *   feed.serverNow()  // Date.now() corrected by the server clock (window.since durations)
 *   feed.resync()     // ask for a fresh snapshot (e.g. after a 409 said we are behind)
 *   feed.setConnection(name)  // e.g. "error" when the page cannot show what it was given
 *
 * <body> exposes data-state (connecting | live | disconnected | error) and
 * data-seq, for tests and for devtools; the page's base path comes from
 * <body data-base>.
 */
const HallSocket = (() => {
  "use strict";

  const Feed = window.YiChuangFeed;
  const P = window.YiChuangProtocol;
  const MSG = P.MESSAGE_TYPES;
  const RESYNC_WAIT_MS = 10000; // no snapshot 10 s after a resync: start afresh
  const BACKOFF_MIN_MS = 1000;
  const BACKOFF_MAX_MS = 30000;

  // Close codes the server uses for refusals (4000 + HTTP status, docs/feed.md).
  const REFUSED = {
    4401: "令牌无效或已被撤销",
    4403: "此令牌无权访问本大厅",
    4404: "找不到该大厅",
    missingToken: "页面地址缺少令牌：请在地址后加上 ?token=…",
  };

  /** Whether `msg` changed the board: a snapshot, or the event right after `before.seq`. */
  function wasApplied(before, after, msg) {
    if (msg.type === MSG.SNAPSHOT) return true;
    if (msg.type === MSG.ERROR || before.awaitingSnapshot || !Number.isInteger(msg.seq)) return false;
    return P.seqVerdict(before.seq, msg.seq, msg.type) === P.SEQ_VERDICTS.APPLY && after.seq === msg.seq;
  }

  function start(options) {
    const params = new URLSearchParams(location.search);
    const config = {
      hall: options.hall,
      token: params.get("token") || "",
      session: Boolean(options.session),
      // Heartbeats come every 15 s: three missed ones mean a dead connection.
      // `?watchdog_s=` shortens it for tests and diagnosis.
      deadAfterMs: Math.max(1, Number(params.get("watchdog_s")) || 45) * 1000,
    };
    const onMessage = options.onMessage || (() => {});
    const onRefused = options.onRefused || (() => {});
    const onConnection = options.onConnection || (() => {});
    const refusals = { ...REFUSED, ...(options.refusals || {}) };
    const label = options.label || "大厅消息";

    let state = Feed.initialState();
    let socket = null;
    let attempts = 0;
    let lastHeard = 0;
    let retryTimer = null;
    let resyncAskedAt = null;
    let skewMs = 0;

    function url() {
      const scheme = location.protocol === "https:" ? "wss:" : "ws:";
      const path = `${document.body.dataset.base || ""}/ws/halls/${encodeURIComponent(config.hall)}/board`;
      return `${scheme}//${location.host}${path}`; // the token rides in the subprotocols
    }

    function connect() {
      retryTimer = null;
      // Without a token the browser's session cookie goes with the handshake.
      const protocols = config.token ? ["yichuang", `bearer.${config.token}`] : ["yichuang"];
      const ws = new WebSocket(url(), protocols);
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
    const problems = Feed.onceEach((problem) => console.warn(`${label}：已跳过无法读取的消息（${problem}），正在重新同步`));

    function receive(text) {
      const parsed = Feed.parse(text);
      const before = state;
      const result = "msg" in parsed ? Feed.applyMessage(state, parsed.msg) : Feed.skip(state, parsed.problem);
      state = result.state;
      if (result.problem) problems(result.problem);
      const msg = parsed.msg;
      // A snapshot is read entry by entry: with some entries left out, it still counts.
      const read = !result.problem || (Boolean(msg) && msg.type === MSG.SNAPSHOT && !state.awaitingSnapshot);
      if (!read) {
        if (result.effects.length) resync(true);
        document.body.dataset.seq = state.seq === null ? "" : String(state.seq);
        return; // the page never sees what could not be read
      }
      const at = typeof msg.at === "string" ? Date.parse(msg.at) : NaN;
      if (!Number.isNaN(at) && P.REPORTS_SEQ.includes(msg.type)) {
        skewMs = at - Date.now();
      }
      if (msg.type === MSG.SNAPSHOT) {
        attempts = 0;
        resyncAskedAt = null;
        setConnection("live");
      }
      for (const effect of result.effects) {
        if (effect.type === "resync") resync(true);
      }
      document.body.dataset.seq = state.seq === null ? "" : String(state.seq);
      try {
        onMessage(msg, { applied: wasApplied(before, state, msg), state, effects: result.effects });
      } catch (err) {
        // The page could not take it in: start it again from a fresh snapshot
        // (not after a snapshot: asking again would bring the same one).
        problems(`${String(msg.type).slice(0, 40)}: the page could not take it in (${err && err.message})`);
        if (msg.type !== MSG.SNAPSHOT) {
          state = { ...state, awaitingSnapshot: true };
          resync(true);
        }
      }
    }

    /** Ask for a fresh snapshot; `once`: not while one asked for is still awaited. */
    function resync(once) {
      if (once === true && resyncAskedAt !== null) return;
      if (socket && socket.readyState === WebSocket.OPEN) {
        socket.send(JSON.stringify({ type: MSG.RESYNC }));
        resyncAskedAt = Date.now();
      }
    }

    function lost(code) {
      state = { ...state, awaitingSnapshot: true }; // stale until the next snapshot
      resyncAskedAt = null;
      const refusedBy = code >= 4000 && state.error; // the server said why before closing
      const reason = refusals[code] || (refusedBy && (state.error.message || "连接被服务器拒绝"));
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
      if (banner) {
        banner.textContent = name === "connecting" ? "正在连接大厅…" : "连接中断，正在重连…";
        banner.hidden = name === "live" || name === "error";
      }
      onConnection(name);
    }

    if (!config.token && !config.session) {
      setConnection("error");
      onRefused(refusals.missingToken);
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
      setConnection,
      live: () => document.body.dataset.state === "live",
    };
  }

  return Object.freeze({ start, wasApplied });
})();
