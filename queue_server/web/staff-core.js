/*
 * Pure helpers shared by the staff pages: durations, hall time, which queue a
 * window serves, and the server's refusals in Chinese. No DOM and no clock in
 * here (times are arguments), so a test can call each with plain data.
 */
const StaffCore = (() => {
  "use strict";

  const WINDOW_STATE_ZH = {
    closed: "未开启",
    open: "空闲",
    calling: "叫号中",
    serving: "办理中",
    paused: "暂停服务",
  };

  const TICKET_STATUS_ZH = {
    waiting: "等候中",
    called: "已叫号",
    serving: "办理中",
    done: "已办结",
    no_show: "已过号",
    cancelled: "已取消",
    transferred: "已转办",
    suspended: "挂起",
    unserved: "未办理",
  };

  // The action names the server puts in its messages ('call' is the window's
  // step inside call-next and call), in the words of a clerk.
  const ACTION_ZH = {
    open: "开窗",
    pause: "暂停",
    resume: "恢复服务",
    close: "关窗",
    call: "叫号",
    "call-next": "叫号",
    recall: "重呼",
    start: "开始办理",
    finish: "办结",
    "no-show": "过号",
    transfer: "转办",
    suspend: "挂起",
    "resume-ticket": "恢复挂起号",
    cancel: "取消",
  };

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
    const waiting = config
      ? tickets.filter((t) => t.status === "waiting" && mayCall(config, t))
      : [];
    waiting.sort((a, b) => b.waited_s - a.waited_s);
    return {
      waiting,
      count: waiting.length,
      green: waiting.filter((t) => t.green_channel).length,
      oldestWaitS: waiting.length ? waiting[0].waited_s : null,
      suspended: tickets.filter((t) => t.status === "suspended"),
    };
  }

  // ------------------------------------------------------------ refusals in Chinese

  // The server's messages are English sentences for operators (domain.py,
  // clerk.py); a clerk needs Chinese. Each pattern turns one into words a
  // person can act on; anything unknown keeps the server's text after a
  // Chinese lead, so nothing is ever hidden.
  const PATTERNS = [
    [/already recalled (\d+) times \(the hall allows (\d+)\)/, (m) =>
      `已重呼 ${m[1]} 次，达到本大厅上限（${m[2]} 次），请按「过号」`],
    [/window \d+ is (\w+) with no ticket/, () => "窗口当前没有号码，请先叫号"],
    [/window \d+ is (\w+)(?: \([^)]*\))?; '([\w-]+)' is not allowed/, (m) =>
      `窗口当前为「${WINDOW_STATE_ZH[m[1]] || m[1]}」，不能${ACTION_ZH[m[2]] || m[2]}`],
    [/ticket is (\w+); '([\w-]+)' is not allowed/, (m) =>
      `该号码当前为「${TICKET_STATUS_ZH[m[1]] || m[1]}」，不能${ACTION_ZH[m[2]] || m[2]}`],
    [/ticket (\S+) is (\w+), not waiting/, (m) =>
      `${m[1]} 号当前为「${TICKET_STATUS_ZH[m[2]] || m[2]}」，不在等候中`],
    [/window \d+ does not take ticket (\S+) \((.*)\)/, (m) => `本窗口不办理 ${m[1]} 号的业务（${m[2]}）`],
    [/no ticket (\S+) today/, (m) => `今天没有 ${m[1]} 号`],
    [/unknown ticket/, () => "找不到该号码"],
    [/has no window (\d+)/, (m) => `本大厅没有 ${m[1]} 号窗口`],
    [/unknown hall/, () => "找不到该大厅"],
    [/transfer needs a service or a window/, () => "转办请选择业务或窗口"],
    [/transfer to another window/, () => "不能转给本窗口，请选择其他窗口"],
    [/window (\d+) does not accept (.*)/, (m) => `${m[1]} 号窗口不办理「${m[2]}」`],
    [/does not offer (.*)/, (m) => `本大厅不办理「${m[1]}」`],
    [/changed meanwhile/, () => "刚有人同时操作了该窗口或号码，请核对后重试"],
    [/acts on window (\d+) only/, (m) => `此令牌只能操作 ${m[1]} 号窗口`],
    [/already been rated/, () => "该号码已评价过"],
    [/can be rated once/, () => "办结后才能评价"],
  ];

  /**
   * One readable Chinese line for a failed Api.call result ({status, data}).
   * `doing` names what was tried ("叫号"), for the lead of unknown refusals.
   */
  function describeError(result, doing) {
    const data = (result && result.data) || {};
    const message = typeof data.message === "string" ? data.message : "";
    if (!result || result.status === 0) return "网络连接失败，请检查网络后重试";
    for (const [pattern, say] of PATTERNS) {
      const m = message.match(pattern);
      if (m) return say(m);
    }
    const lead = doing ? `${doing}失败` : "操作失败";
    switch (result.status) {
      case 401:
        return "令牌无效或已被撤销，请联系管理员";
      case 403:
        return "此令牌无权执行该操作";
      case 404:
        return `${lead}：找不到（${message || "not found"}）`;
      case 409:
        return `${lead}：当前状态不允许（${message}）`;
      case 422:
        return `${lead}：输入有误（${message}）`;
      default:
        return `${lead}（HTTP ${result.status}）${message ? `：${message}` : ""}`;
    }
  }

  return Object.freeze({
    WINDOW_STATE_ZH,
    TICKET_STATUS_ZH,
    ACTION_ZH,
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
