/*
 * What the visitor's pages say about a ticket, and about a refusal, in Chinese.
 *
 * Pure (no DOM, no clock: "today" comes in as an argument), shared by the
 * ticket machine (kiosk.js) and the status page (status.js), so a status or a
 * wait reads the same on the kiosk screen and on the phone.
 *
 * Times from the server are ISO strings already in the hall's time zone
 * (e.g. "2026-11-26T09:00:00+08:00"), so their wall-clock part is read as is:
 * a phone set to another zone still shows the hall's time.
 */
(function (root) {
  "use strict";

  const STATUS = {
    waiting: { label: "等候中", tone: "waiting", note: "请留意叫号，叫到您的号码时请到指定窗口办理" },
    called: { label: "请前往窗口", tone: "called", note: "已叫到您的号码，请尽快前往窗口" },
    serving: { label: "办理中", tone: "serving", note: "窗口正在为您办理" },
    done: { label: "已办结", tone: "done", note: "业务已办结，感谢您的耐心等候" },
    no_show: { label: "已过号", tone: "ended", note: "多次叫号未到，号码已作废；如需办理请重新取号" },
    cancelled: { label: "已取消", tone: "ended", note: "号码已取消；如需办理请重新取号" },
    transferred: { label: "已转办", tone: "waiting", note: "已转到其他事项或窗口，请留意叫号" },
    suspended: { label: "暂停办理", tone: "waiting", note: "请补齐材料后回到大厅，将优先为您继续办理" },
    unserved: { label: "今日未办理", tone: "ended", note: "今日办理时间已结束；如需办理请下一个工作日再来" },
  };

  // After these nothing about the ticket changes any more.
  const FINAL = new Set(["done", "no_show", "cancelled", "unserved"]);

  function statusOf(view) {
    const status = view && view.status;
    // A status this page does not know (a newer server): no code word on screen.
    return STATUS[status] || { label: "状态未知", tone: "ended", note: "请咨询大厅工作人员" };
  }

  function isFinal(view) {
    return FINAL.has(view && view.status);
  }

  /** Minutes, rounded up: "约 1 分钟" is a promise easier kept than "约 0 分钟". */
  function waitMinutes(seconds) {
    return Math.max(0, Math.ceil((Number(seconds) || 0) / 60));
  }

  function waitText(seconds) {
    const minutes = waitMinutes(seconds);
    return minutes === 0 ? "即将叫号" : `约 ${minutes} 分钟`;
  }

  /**
   * The wait as a waiting holder should read it (kiosk result, status page):
   * {wait, noWindow, order}. With no open window taking the item
   * (`windows_open` 0) an estimate would promise what nobody can keep: say so
   * instead. `order` is the neutral line on why later numbers may be called
   * first, or null.
   */
  function queueFacts(view) {
    const noWindow = view.windows_open === 0;
    return {
      wait: noWindow ? "暂无窗口办理" : waitText(view.estimated_wait_s),
      noWindow: noWindow ? "目前没有开放的窗口办理该事项，窗口开放后按顺序叫号，请留意大厅屏幕" : null,
      order: view.order_note || null,
    };
  }

  function aheadText(position) {
    const n = Number(position) || 0;
    return n === 0 ? "您是下一位" : `前面还有 ${n} 人`;
  }

  /** {day: "2026-11-26", date: "11月26日", time: "09:00"} from a hall-local ISO string. */
  function localParts(iso) {
    const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(iso || "");
    if (!match) return null;
    const [, year, month, day, hour, minute] = match;
    return {
      day: `${year}-${month}-${day}`,
      date: `${Number(month)}月${Number(day)}日`,
      time: `${hour}:${minute}`,
    };
  }

  /** "今天 09:00", "明天 09:00" or "11月28日 09:00". */
  function whenText(iso, todayIso) {
    const parts = localParts(iso);
    if (!parts) return "";
    if (parts.day === todayIso) return `今天 ${parts.time}`;
    if (todayIso && parts.day === addDays(todayIso, 1)) return `明天 ${parts.time}`;
    return `${parts.date} ${parts.time}`;
  }

  /** The wall-clock time "HH:MM:SS" of instant `now` at the UTC offset that `iso` carries. */
  function clockAtOffsetOf(now, iso) {
    const match = /([+-])(\d{2}):(\d{2})$/.exec(iso || "");
    const minutes = match ? (match[1] === "-" ? -1 : 1) * (Number(match[2]) * 60 + Number(match[3])) : 0;
    const shifted = new Date(now.getTime() + minutes * 60000);
    return shifted.toISOString().slice(11, 19);
  }

  function addDays(dayIso, days) {
    const [y, m, d] = dayIso.split("-").map(Number);
    const next = new Date(Date.UTC(y, m - 1, d + days));
    return next.toISOString().slice(0, 10);
  }

  function minutesBefore(iso, minutes) {
    const parts = localParts(iso);
    if (!parts) return "";
    const [hour, minute] = parts.time.split(":").map(Number);
    const total = (hour * 60 + minute - minutes + 24 * 60) % (24 * 60);
    return `${String(Math.floor(total / 60)).padStart(2, "0")}:${String(total % 60).padStart(2, "0")}`;
  }

  /**
   * How soon the status page asks again: often when the call is near (three
   * or fewer ahead, or called: the window number matters now), less often
   * while the queue is long, never once the ticket's story is over.
   */
  function pollDelay(view, timing) {
    if (isFinal(view)) return null;
    const near = view.status === "called" || (view.status === "waiting" && Number(view.position) <= 3);
    return near ? timing.nearMs : timing.normalMs;
  }

  // ------------------------------------------------------------------ refusals

  // The server words each refusal for the visitor (Chinese, with a stable
  // `error` code); the page adds a title, and acts by the code where it must.
  const TITLES = {
    hall_closed: "大厅现在不办理业务",
    too_late_today: "今日已来不及办理该事项",
    duplicate_ticket: "您已取过号",
    appointment_only: "该事项需预约办理",
    service_not_offered: "本大厅暂不办理该事项",
    already_rated: "已评价",
    not_finished: "暂不能评价",
  };

  // When the code says nothing more, the call that was refused does, then the status.
  const CONTEXT_TITLES = { checkin: "无法签到", cancel: "无法取消", rate: "暂不能评价" };
  const STATUS_TITLES = { 404: "未找到", 422: "输入有误" };

  const NETWORK = {
    title: "网络连接失败",
    message: "暂时无法连接服务器，请稍后重试；如多次失败请联系工作人员",
    retry: true,
  };

  /**
   * A refused or failed API call as {title, message, retry}: `retry` is true
   * when trying again unchanged may work (network, server trouble, a change
   * that met another one). `context` names the call: "issue", "checkin",
   * "ticket", "cancel", "rate"; `todayIso` and `checkinEarlyMin` help say when.
   */
  function explain(result, context, options = {}) {
    const status = result ? result.status : 0;
    const data = (result && result.data) || {};
    const details = data.details || {};
    const said = String(data.message || "") || `服务器拒绝了请求（${status}）`;
    if (status === 0) return NETWORK;
    if (status >= 500) {
      return { title: "服务器暂时无法处理", message: "请稍后重试；如多次失败请联系工作人员", retry: true };
    }
    if (status === 401 || status === 403) {
      return { title: "取号机未授权", message: "本机令牌无效或已被撤销，请联系工作人员", retry: false };
    }
    if (data.error === "stale_state") return { title: "系统繁忙", message: "请稍候再试一次", retry: true };
    if (data.error === "hall_closed" && details.opens_at) {
      return { ...hallClosed(details.opens_at, options.todayIso || ""), retry: false };
    }
    if (context === "checkin" && details.slot_start) return tooEarly(details.slot_start, options);
    const title = TITLES[data.error] || CONTEXT_TITLES[context] || STATUS_TITLES[status] || "操作未完成";
    return { title, message: said, retry: false };
  }

  /** {title, message} of a closed hall; `opensAt` is the next opening (ISO), if any. */
  function hallClosed(opensAt, todayIso) {
    // "明天 09:00" reads better than the server's full date.
    const when = opensAt ? whenText(opensAt, todayIso) : "";
    return {
      title: TITLES.hall_closed,
      message: when ? `本大厅将于 ${when} 开始办理，请届时再来取号` : "本大厅暂停取号，开放时间请咨询工作人员",
    };
  }

  function tooEarly(slotStart, options) {
    const slot = localParts(slotStart);
    const from = minutesBefore(slotStart, options.checkinEarlyMin || 0);
    return {
      title: "还未到签到时间",
      message: `您预约的是 ${slot ? slot.time : ""} 的时段，请于 ${from} 以后再来签到`,
      retry: false,
    };
  }

  /** A second check-in: the same ticket again, nothing printed again. */
  function alreadyCheckedIn(ticket) {
    return {
      title: "已签到",
      message: `该预约已签到，您的号码是 ${ticket.number}，请留意叫号`,
      retry: false,
    };
  }

  const api = {
    STATUS,
    alreadyCheckedIn,
    statusOf,
    isFinal,
    waitMinutes,
    waitText,
    queueFacts,
    hallClosed,
    aheadText,
    localParts,
    whenText,
    clockAtOffsetOf,
    pollDelay,
    explain,
  };
  root.YiChuangText = Object.freeze(api);
  if (typeof module === "object" && module.exports) module.exports = api;
})(typeof window !== "undefined" ? window : globalThis);
