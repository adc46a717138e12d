/*
 * The hall feed as a pure reducer: applyMessage(state, message) -> {state, effects}.
 *
 * No DOM, no clock, no socket here (display.js does the I/O), so the rules of
 * docs/feed.md live in one place and can be checked with plain data:
 *   - a snapshot replaces the whole board and sets `seq`;
 *   - an event applies only when its seq is exactly seq + 1; at or below seq it
 *     is a duplicate and ignored; above seq + 1 something was missed, so the
 *     board asks for a resync and ignores events until the next snapshot;
 *   - every event carries the queue counts after it, so counts are replaced,
 *     never added up (they cannot drift).
 * Effects tell the shell what to do besides drawing: {type: "resync"} (send it
 * to the server) and {type: "call", call, voice} (flash, and speak).
 */
(function (root) {
  "use strict";

  const RECENT_CALLS = 10; // the server's snapshot keeps the day's last 10 calls too

  // `window.updated` carries a window's configuration without `state_zh`.
  const STATE_ZH = {
    closed: "未开启",
    open: "空闲",
    calling: "叫号中",
    serving: "办理中",
    paused: "暂停服务",
  };

  // After these a ticket is no longer waiting for its visitor at a window.
  const ENDS_CALL = new Set([
    "ticket.started",
    "ticket.finished",
    "ticket.no_show",
    "ticket.suspended",
    "ticket.transferred",
    "ticket.cancelled",
    "ticket.unserved",
  ]);

  // Only what a screen shows; `window.updated` also sends services and categories.
  const WINDOW_FIELDS = ["number", "label", "state", "state_zh", "lane", "ticket", "since"];

  function initialState() {
    return {
      seq: null,
      awaitingSnapshot: true,
      hall: null,
      nowCalling: [],
      lastCalls: [],
      waiting: null,
      windows: [],
      error: null,
    };
  }

  function applyMessage(state, msg) {
    if (!msg || typeof msg !== "object") return unchanged(state);
    switch (msg.type) {
      case "snapshot":
        return { state: fromSnapshot(msg), effects: [] };
      case "heartbeat":
        return heartbeat(state, msg);
      case "error":
        return { state: { ...state, error: { code: msg.error, message: msg.message } }, effects: [] };
      default:
        return event(state, msg);
    }
  }

  function unchanged(state) {
    return { state, effects: [] };
  }

  function fromSnapshot(msg) {
    const board = msg.data || {};
    return {
      seq: msg.seq,
      awaitingSnapshot: false,
      hall: board.hall || null,
      nowCalling: board.now_calling || [],
      lastCalls: board.last_calls || [],
      waiting: board.waiting || null,
      windows: (board.windows || []).map(pickWindow),
      error: null,
    };
  }

  // A heartbeat repeats the seq of the last event the server sent us: a larger
  // one than ours means an event was lost on the way.
  function heartbeat(state, msg) {
    if (state.awaitingSnapshot || typeof msg.seq !== "number" || msg.seq <= state.seq) {
      return unchanged(state);
    }
    return resync(state);
  }

  function resync(state) {
    return { state: { ...state, awaitingSnapshot: true }, effects: [{ type: "resync" }] };
  }

  function event(state, msg) {
    // Until a snapshot arrives the board has nothing to apply events to; the
    // snapshot that follows a resync already reflects whatever comes before it.
    if (state.awaitingSnapshot || typeof msg.seq !== "number") return unchanged(state);
    if (msg.seq <= state.seq) return unchanged(state);
    if (msg.seq > state.seq + 1) return resync(state);
    return applyEvent({ ...state, seq: msg.seq }, msg);
  }

  // Unknown event types still advance seq, so a newer server never looks like a gap.
  function applyEvent(state, msg) {
    const data = msg.data || {};
    const next = { ...state };
    const effects = [];
    if (data.waiting) next.waiting = data.waiting;
    if (data.window && typeof data.window === "object") {
      next.windows = upsertWindow(next.windows, data.window);
    }
    if (msg.type === "ticket.called" || msg.type === "ticket.recalled") {
      const call = callOf(msg);
      next.nowCalling = [call, ...without(next.nowCalling, call.number)];
      next.lastCalls = [call, ...without(next.lastCalls, call.number)].slice(0, RECENT_CALLS);
      // `speech` spells the number digit by digit, as halls read it aloud.
      const voice = data.announcement
        ? data.announcement.speech || data.announcement.voice
        : null;
      effects.push({ type: "call", call, voice: voice || null });
    } else if (ENDS_CALL.has(msg.type) && data.ticket) {
      next.nowCalling = without(next.nowCalling, data.ticket.number);
    }
    return { state: next, effects };
  }

  // The same shape as a snapshot's CALL entries.
  function callOf(msg) {
    const data = msg.data;
    const ticket = data.ticket || {};
    const window = data.window && typeof data.window === "object" ? data.window.number : null;
    return {
      number: ticket.number,
      window: window != null ? window : ticket.window,
      green_channel: Boolean(ticket.green_channel),
      service_name: ticket.service_name || "",
      called_at: msg.at || null,
      recall: msg.type === "ticket.recalled",
    };
  }

  function without(calls, number) {
    return calls.filter((c) => c.number !== number);
  }

  function pickWindow(source) {
    const picked = {};
    for (const key of WINDOW_FIELDS) if (key in source) picked[key] = source[key];
    return picked;
  }

  function upsertWindow(windows, update) {
    const index = windows.findIndex((w) => w.number === update.number);
    const base =
      index >= 0
        ? windows[index]
        : { number: update.number, label: "", state: "closed", lane: "standard", ticket: null, since: null };
    const merged = { ...base, ...pickWindow(update) };
    merged.state_zh = update.state_zh || STATE_ZH[merged.state] || merged.state;
    const rest = windows.filter((w) => w.number !== update.number);
    return [...rest, merged].sort((a, b) => a.number - b.number);
  }

  /** The call the big area shows: the newest still waiting for its visitor, else the newest at all. */
  function latestCall(state) {
    return state.nowCalling[0] || state.lastCalls[0] || null;
  }

  function windowOf(state, number) {
    return state.windows.find((w) => w.number === number) || null;
  }

  /** Whether ticket `number` is green-channel, as far as the board knows. */
  function isGreen(state, number) {
    return [...state.nowCalling, ...state.lastCalls].some((c) => c.number === number && c.green_channel);
  }

  const api = { initialState, applyMessage, latestCall, windowOf, isGreen, STATE_ZH };
  root.YiChuangFeed = Object.freeze(api);
  if (typeof module === "object" && module.exports) module.exports = api;
})(typeof window !== "undefined" ? window : globalThis);
