/*
 * Pure helpers shared by the staff pages: durations, hall time, which queue a
 * window serves, and the server's refusals as one line. No DOM and no clock in
 * here (times are arguments), so a test can call each with plain data.
 */
const StaffCore = (() => {
  "use strict";

  // The words for a window's state, as the server says them (/static/protocol.js).
  const WINDOW_STATE_ZH = window.YiChuangProtocol.WINDOW_STATE_ZH;

  /** 45 -> "45秒", 300 -> "5分", 3900 -> "1小时05分"; null for an unknown span. */
  function formatDuration(seconds) {
    if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return null;
    const s = Math.max(0, Math.round(seconds));
    if (s < 60) return `${s}秒`;
    const minutes = Math.floor(s / 60);
    if (minutes < 60) return `${minutes}分`;
    return `${Math.floor(minutes / 60)}小时${String(minutes % 60).padStart(2, "0")}分`;
  }

  /** "0.8731" -> "87%" (the stats' shares are fractions). */
  function formatShare(share) {
    return share === null || share === undefined ? "—" : `${Math.round(share * 100)}%`;
  }

  // Intl formatters are costly to build and the pages ask every second.
  const formats = new Map();

  /** `date` as the hall's wall clock: a PC set to UTC must still show Beijing time. */
  function hallTime(date, zone, options = { hour: "2-digit", minute: "2-digit", hourCycle: "h23" }) {
    const key = `${zone}|${JSON.stringify(options)}`;
    if (!formats.has(key)) {
      try {
        formats.set(key, new Intl.DateTimeFormat("zh-CN", { ...options, timeZone: zone }));
      } catch (err) {
        formats.set(key, new Intl.DateTimeFormat("zh-CN", options)); // unknown zone: local time
      }
    }
    return formats.get(key).format(date);
  }

  /** Seconds from an ISO time (window.since) to `nowMs`; null without a time. */
  function secondsSince(iso, nowMs) {
    const then = iso ? Date.parse(iso) : NaN;
    return Number.isFinite(then) ? Math.max(0, (nowMs - then) / 1000) : null;
  }

  // ------------------------------------------------------------ who serves what

  /** Whether a window's skills (GET /api/halls/{hall} windows[]) take a service. */
  function accepts(config, service, category) {
    if (!config) return false;
    if (config.services === "all") return true;
    return (config.services || []).includes(service) || (config.categories || []).includes(category);
  }

  /** Whether window `config` may call `ticket` (a /queues ticket): skills, and not sent elsewhere. */
  function mayCall(config, ticket) {
    if (ticket.directed_window !== null && ticket.directed_window !== undefined &&
        ticket.directed_window !== config.number) {
      return false;
    }
    return accepts(config, ticket.service, ticket.category);
  }

  /**
   * What waits for one window, from GET /api/halls/{hall}/queues: its waiting
   * tickets (longest wait first), how many of them are green-channel, the
   * oldest wait, and the hall's suspended tickets (any window may resume one).
   */
  function queueForWindow(queues, config) {
    const tickets = (queues && queues.tickets) || [];
    const mine = config ? tickets.filter((t) => t.status === "waiting" && mayCall(config, t)) : [];
    // A remote place (线上取号) whose holder has not arrived is not callable: 未到场.
    const waiting = mine.filter((t) => !t.away);
    waiting.sort((a, b) => b.waited_s - a.waited_s);
    return {
      waiting,
      count: waiting.length,
      away: mine.length - waiting.length,
      green: waiting.filter((t) => t.green_channel).length,
      oldestWaitS: waiting.length ? waiting[0].waited_s : null,
      suspended: tickets.filter((t) => t.status === "suspended"),
    };
  }

  // ------------------------------------------------------------ refusals

  /**
   * One readable Chinese line for a failed Api.call result ({status, data}).
   * The server words each refusal for the hall's staff (`message`, Chinese;
   * `error` is its stable code, for pages that must act on it), so it is shown
   * as it is. `doing` ("叫号") leads the lines the page words itself: server
   * trouble, or an answer without a message (a proxy's error page).
   */
  function describeError(result, doing) {
    if (!result || result.status === 0) return "网络连接失败，请检查网络后重试";
    const data = result.data || {};
    const message = typeof data.message === "string" ? data.message : "";
    const lead = doing ? `${doing}失败` : "操作失败";
    if (result.status >= 500 || !message) {
      return `${lead}（HTTP ${result.status}）${message ? `：${message}` : ""}`;
    }
    return message;
  }

  return Object.freeze({
    WINDOW_STATE_ZH,
    formatDuration,
    formatShare,
    hallTime,
    secondsSince,
    accepts,
    mayCall,
    queueForWindow,
    describeError,
  });
})();
