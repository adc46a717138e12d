/*
 * The hall feed as a pure reducer: applyMessage(state, message) -> {state, effects}.
 *
 * No DOM, no clock, no socket here (hall-socket.js does the I/O), so the rules
 * of docs/feed.md live in one place and can be checked with plain data:
 *   - a snapshot replaces the whole board and sets `seq`;
 *   - an event applies only when its seq is exactly seq + 1; at or below seq it
 *     is a duplicate and ignored; above seq + 1 something was missed, so the
 *     board asks for a resync and ignores events until the next snapshot
 *     (the server's rule, `seqVerdict` of /static/protocol.js);
 *   - every event carries the queue counts after it, so counts are replaced,
 *     never added up (they cannot drift).
 * Effects tell the shell what to do besides drawing: {type: "resync"} (send it
 * to the server) and {type: "call", call, voice} (flash, and speak).
 *
 * Every name shared with the server (message and event types, window states and
 * their words) comes from window.YiChuangProtocol, generated from protocol.py.
 */
(function (root) {
  "use strict";

  const P = root.YiChuangProtocol;
  const MSG = P.MESSAGE_TYPES;
  const RECENT_CALLS = 10; // the server's snapshot keeps the day's last 10 calls too

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

  /**
   * Fold one message into the board: {state, effects, problem}. Never throws,
   * whatever `msg` is. `problem` names what could not be read (for the shell
   * to log once per kind); such a message is skipped, and a resync asked for
   * since it may have hidden a change. A snapshot is read entry by entry: what
   * cannot be read is left out (and named), the rest is drawn, because asking
   * again would bring the same snapshot.
   */
  function applyMessage(state, msg) {
    try {
      const object = need(msg, isObject, "message", "an object");
      switch (object.type) {
        case MSG.SNAPSHOT:
          return fromSnapshot(object);
        case MSG.HEARTBEAT:
          return heartbeat(state, object);
        case MSG.ERROR:
          return { state: { ...state, error: { code: object.error, message: text(object.message) } }, effects: [] };
        default:
          return event(state, object);
      }
    } catch (err) {
      const kind = isObject(msg) && typeof msg.type === "string" ? msg.type.slice(0, 40) : "message";
      return skip(state, `${kind}: ${err && err.message ? err.message : String(err)}`);
    }
  }

  // Asks for a snapshot unless one is awaited already; a page that has none at
  // all yet asks too (the shell sends one resync at a time).
  function skip(state, problem) {
    const ask = !state.awaitingSnapshot || state.seq === null;
    return { state: { ...state, awaitingSnapshot: true }, effects: ask ? [{ type: "resync" }] : [], problem };
  }

  function unchanged(state) {
    return { state, effects: [] };
  }

  // ---------------------------------------------------------------- reading

  const isObject = (v) => v !== null && typeof v === "object" && !Array.isArray(v);
  const isInt = (v) => Number.isInteger(v);
  const isText = (v) => typeof v === "string";
  const isTextOrNull = (v) => v === null || v === undefined || typeof v === "string";
  const isFlag = (v) => v === null || v === undefined || typeof v === "boolean";

  function kindOf(value) {
    return value === null ? "null" : Array.isArray(value) ? "list" : typeof value;
  }

  /** `value` if `test` accepts it; else throws a problem naming the field and the type found. */
  function need(value, test, what, wanted) {
    if (!test(value)) throw new Error(`${what} is ${kindOf(value)}, not ${wanted}`);
    return value;
  }

  function text(value) {
    return typeof value === "string" ? value : null;
  }

  function readCall(c) {
    need(c, isObject, "call", "an object");
    need(c.number, isText, "call number", "text");
    need(c.window, isInt, "call window", "a whole number");
    need(c.green_channel, isFlag, "call green_channel", "true or false");
    need(c.service_name, isTextOrNull, "call service_name", "text");
    return { ...c, call_reason: reasonOf(c.call_reason) };
  }

  /** A call's reason (protocol.CallReason), or null: none sent, or one this page does not know. */
  function reasonOf(value) {
    return Object.values(P.CALL_REASONS).includes(value) ? value : null;
  }

  function readWindow(w) {
    need(w, isObject, "window", "an object");
    need(w.number, isInt, "window number", "a whole number");
    for (const key of ["label", "state", "state_zh", "lane", "ticket", "since"]) {
      need(w[key], isTextOrNull, `window ${key}`, "text");
    }
    return w;
  }

  // The hall as screens show it: name, zone and the lobby's announcement line.
  function readHall(h) {
    need(h, isObject, "hall", "an object");
    need(h.name, isText, "hall name", "text");
    need(h.timezone, isTextOrNull, "hall timezone", "text");
    need(h.announcement, isTextOrNull, "hall announcement", "text");
    return { ...h, timezone: h.timezone || "Asia/Shanghai", announcement: h.announcement || "" };
  }

  function readWaiting(w) {
    need(w, isObject, "waiting", "an object");
    need(w.total, isInt, "waiting total", "a whole number");
    need(w.green_channel, isInt, "waiting green_channel", "a whole number");
    for (const c of need(w.by_category, Array.isArray, "waiting by_category", "a list")) {
      need(c, isObject, "waiting category", "an object");
      need(c.category, isText, "waiting category code", "text");
      need(c.name, isTextOrNull, "waiting category name", "text");
      need(c.count, isInt, "waiting count", "a whole number");
    }
    return w;
  }

  /** The entries of a snapshot list that can be read; what could not, in `problems`. */
  function entries(list, what, read, problems) {
    if (list === undefined || list === null) return [];
    if (!Array.isArray(list)) {
      problems.push(`${what} is ${kindOf(list)}, not a list`);
      return [];
    }
    const kept = [];
    for (const item of list) {
      try {
        kept.push(read(item));
      } catch (err) {
        problems.push(`${what}: ${err.message}`);
      }
    }
    return kept;
  }

  function fromSnapshot(msg) {
    const board = need(msg.data, isObject, "snapshot data", "an object");
    const seq = need(msg.seq, isInt, "snapshot seq", "a whole number");
    const problems = [];
    let hall = null;
    try {
      hall = readHall(board.hall);
    } catch (err) {
      problems.push(err.message);
    }
    let waiting = null;
    try {
      waiting = readWaiting(board.waiting);
    } catch (err) {
      problems.push(err.message);
    }
    const windows = entries(board.windows, "windows", readWindow, problems).map(shownWindow);
    const state = {
      seq,
      awaitingSnapshot: false,
      hall,
      nowCalling: entries(board.now_calling, "now_calling", readCall, problems),
      lastCalls: entries(board.last_calls, "last_calls", readCall, problems).slice(0, RECENT_CALLS),
      waiting,
      windows: [...new Map(windows.map((w) => [w.number, w])).values()].sort((a, b) => a.number - b.number),
      error: null,
    };
    return { state, effects: [], problem: problems.length ? `snapshot: left out ${problems.join("; ")}` : null };
  }

  // A heartbeat repeats the seq of the last event the server sent us: a larger
  // one than ours means an event was lost on the way.
  function heartbeat(state, msg) {
    const seq = need(msg.seq, isInt, "heartbeat seq", "a whole number");
    if (state.awaitingSnapshot || P.seqVerdict(state.seq, seq, msg.type) !== P.SEQ_VERDICTS.RESYNC) {
      return unchanged(state);
    }
    return resync(state);
  }

  function resync(state) {
    return { state: { ...state, awaitingSnapshot: true }, effects: [{ type: "resync" }] };
  }

  function event(state, msg) {
    const seq = need(msg.seq, isInt, "seq", "a whole number");
    // Until a snapshot arrives the board has nothing to apply events to; the
    // snapshot that follows a resync already reflects whatever comes before it.
    if (state.awaitingSnapshot) return unchanged(state);
    const verdict = P.seqVerdict(state.seq, seq, msg.type);
    if (verdict === P.SEQ_VERDICTS.STALE) return unchanged(state);
    if (verdict === P.SEQ_VERDICTS.RESYNC) return resync(state);
    return applyEvent({ ...state, seq }, msg);
  }

  // Unknown event types still advance seq, so a newer server never looks like a gap.
  function applyEvent(state, msg) {
    const type = need(msg.type, isText, "type", "text");
    const data = msg.data === undefined || msg.data === null ? {} : need(msg.data, isObject, "data", "an object");
    const next = { ...state };
    const effects = [];
    if (data.waiting !== undefined) next.waiting = readWaiting(data.waiting);
    if (type === P.EVENT_TYPES.HALL_UPDATED) next.hall = readHall(data.hall);
    if (type.startsWith("window.") || isObject(data.window)) {
      // ticket.rated carries only the window's number, not a WINDOW
      next.windows = upsertWindow(next.windows, readWindow(data.window));
    }
    if (P.CALL_EVENTS.includes(type)) {
      const call = callOf(msg);
      next.nowCalling = [call, ...without(next.nowCalling, call.number)];
      next.lastCalls = [call, ...without(next.lastCalls, call.number)].slice(0, RECENT_CALLS);
      // `speech` spells the number digit by digit, as halls read it aloud.
      const announcement = isObject(data.announcement) ? data.announcement : {};
      const voice = text(announcement.speech) || text(announcement.voice);
      effects.push({ type: "call", call, voice: voice || null });
    } else if (P.ENDS_CALL.includes(type)) {
      const ticket = need(data.ticket, isObject, "ticket", "an object");
      next.nowCalling = without(next.nowCalling, need(ticket.number, isText, "ticket number", "text"));
    }
    return { state: next, effects };
  }

  // The same shape as a snapshot's CALL entries.
  function callOf(msg) {
    const data = msg.data;
    const ticket = need(data.ticket, isObject, "ticket", "an object");
    const window = isObject(data.window) ? data.window.number : ticket.window;
    return {
      ...readCall({
        number: ticket.number,
        window,
        green_channel: ticket.green_channel,
        service_name: ticket.service_name,
      }),
      green_channel: Boolean(ticket.green_channel),
      service_name: ticket.service_name || "",
      call_reason: reasonOf(ticket.call_reason),
      called_at: text(data.called_at) || text(msg.at),
      recall: msg.type === P.EVENT_TYPES.TICKET_RECALLED,
    };
  }

  function without(calls, number) {
    return calls.filter((c) => c.number !== number);
  }

  /**
   * A WINDOW (a snapshot's entry, or the `window` of any window event) as a
   * screen shows it: only what a screen draws, the state's words from the
   * protocol when the window came without them, a ticket only while it is held.
   */
  function shownWindow(w) {
    const state = w.state || P.WINDOW_STATES.CLOSED;
    return {
      number: w.number,
      label: w.label || "",
      state,
      state_zh: w.state_zh || P.WINDOW_STATE_ZH[state] || state,
      lane: w.lane || "standard",
      ticket: P.HOLDING_STATES.includes(state) ? w.ticket || null : null,
      since: w.since || null,
      staff: staffOf(w.staff),
    };
  }

  /**
   * The member a window's screen names ({staff_no, name}), or null. Only halls
   * that show staff send it (the snapshot, and window.updated on a sign-in or
   * sign-out); what cannot be read names nobody.
   */
  function staffOf(staff) {
    return isObject(staff) && isText(staff.staff_no) && isText(staff.name)
      ? { staff_no: staff.staff_no, name: staff.name }
      : null;
  }

  function upsertWindow(windows, update) {
    const before = windows.find((w) => w.number === update.number);
    const rest = windows.filter((w) => w.number !== update.number);
    const shown = shownWindow(update);
    // A call or a pause does not say who is at the window: whoever was still is.
    if (!("staff" in update) && before) shown.staff = before.staff;
    return [...rest, shown].sort((a, b) => a.number - b.number);
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

  /**
   * A logger that says each problem once (a broken server may send the same
   * fault with every message) and counts them all: `log.count`, `log.said`.
   */
  function onceEach(write) {
    const said = new Set();
    const log = (problem) => {
      log.count += 1;
      if (said.has(problem)) return;
      said.add(problem);
      log.said.push(problem);
      write(problem);
    };
    log.count = 0;
    log.said = [];
    return log;
  }

  /** The message in a websocket frame, or {problem} when it is not JSON. */
  function parse(frame) {
    try {
      return { msg: JSON.parse(frame) };
    } catch (err) {
      return { problem: "a message that is not JSON" };
    }
  }

  const api = { initialState, applyMessage, skip, parse, onceEach, latestCall, windowOf, isGreen };
  root.YiChuangFeed = Object.freeze(api);
  if (typeof module === "object" && module.exports) module.exports = api;
})(typeof window !== "undefined" ? window : globalThis);
