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
    return STATUS[status] || { label: String(status || "—"), tone: "ended", note: "" };
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
   * {wait, note}. With no open window taking the item (`windows_open` 0) an
   * estimate would promise what nobody can keep: say so instead. `note` is
   * the neutral line on why later numbers may be called first, or null.
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

  // The server explains ID numbers in English (identity.py); the visitor reads Chinese.
  const ID_MESSAGES = [
    [/18 characters/, "身份证号码应为 18 位，请核对"],
    [/17 digits/, "身份证号码只能包含数字和最后一位的 X"],
    [/birth date/, "身份证号码中的出生日期不存在，请核对"],
    [/check digit/, "身份证号码校验位不符，可能有数字输错，请核对后重新输入"],
    [/green channel needs/, "该绿色通道需要能证明年龄的身份证号码"],
  ];

  const NETWORK = {
    title: "网络连接失败",
    message: "暂时无法连接服务器，请稍后重试；如多次失败请联系工作人员",
    retry: true,
  };

  /**
   * A refused or failed API call as {title, message, retry}: `retry` is true
   * when trying again unchanged may work (network, server trouble).
   * `context` names the call: "issue", "checkin", "ticket", "cancel", "rate";
   * `todayIso` and `checkinEarlyMin` help say when.
   */
  function explain(result, context, options = {}) {
    const status = result ? result.status : 0;
    const data = (result && result.data) || {};
    const message = String(data.message || "");
    const details = data.details || {};
    const today = options.todayIso || "";
    if (status === 0) return NETWORK;
    if (status >= 500) {
      return { title: "服务器暂时无法处理", message: "请稍后重试；如多次失败请联系工作人员", retry: true };
    }
    if (status === 401 || status === 403) {
      return { title: "取号机未授权", message: "本机令牌无效或已被撤销，请联系工作人员", retry: false };
    }
    if (status === 422) return invalid(message);
    if (data.error === "hall_closed") return { ...hallClosed(details.opens_at, today), retry: false };
    if (data.error === "too_late_today") {
      const closes = localParts(details.closes_at);
      return {
        title: "今日已来不及办理该事项",
        message:
          (closes ? `本大厅今天 ${closes.time} 停止办理，` : "") +
          "按目前排队情况该事项今天无法办结，请下一个工作日再来，或在网上预约",
        retry: false,
      };
    }
    if (data.error === "duplicate_ticket") {
      const held = /ticket (\S+)/.exec(message);
      return {
        title: "您已取过号",
        message: held ? `您已领取该事项的号码 ${held[1]}，请留意叫号，无需重复取号` : "您已领取该事项的号码，无需重复取号",
        retry: false,
      };
    }
    if (data.error === "conflict" && /retry/.test(message)) {
      return { title: "系统繁忙", message: "请稍候再试一次", retry: true };
    }
    if (context === "checkin") return checkinRefusal(status, message, details, options);
    if (status === 404) return notFound(context);
    if (context === "cancel") {
      return { title: "无法取消", message: "号码当前的状态不能取消（已叫号或已结束）", retry: false };
    }
    if (context === "rate") {
      return /already/.test(message)
        ? { title: "已评价", message: "您已评价过本次服务，感谢您的反馈", retry: false }
        : { title: "暂不能评价", message: "业务办结后才能评价", retry: false };
    }
    return { title: "操作未完成", message: message || `服务器拒绝了请求（${status}）`, retry: false };
  }

  /** {title, message} of a closed hall; `opensAt` is the next opening (ISO), if any. */
  function hallClosed(opensAt, todayIso) {
    const when = opensAt ? whenText(opensAt, todayIso) : "";
    return {
      title: "大厅现在不办理业务",
      message: when ? `本大厅将于 ${when} 开始办理，请届时再来取号` : "本大厅暂停取号，开放时间请咨询工作人员",
    };
  }

  function invalid(message) {
    const known = ID_MESSAGES.find(([pattern]) => pattern.test(message));
    return {
      title: "输入有误",
      message: known ? known[1] : `请核对输入的内容（${message}）`,
      retry: false,
    };
  }

  function notFound(context) {
    const messages = {
      issue: "本大厅暂不办理该事项，请咨询工作人员",
      ticket: "找不到这张号票，请核对地址或重新扫码",
      cancel: "找不到这张号票",
      rate: "找不到这张号票",
    };
    return { title: "未找到", message: messages[context] || "未找到", retry: false };
  }

  function checkinRefusal(status, message, details, options) {
    const title = "无法签到";
    if (details.slot_start) {
      const slot = localParts(details.slot_start);
      const from = minutesBefore(details.slot_start, options.checkinEarlyMin || 0);
      return {
        title: "还未到签到时间",
        message: `您预约的是 ${slot ? slot.time : ""} 的时段，请于 ${from} 以后再来签到`,
        retry: false,
      };
    }
    if (status === 404) {
      return /ID number/.test(message)
        ? { title, message: "今天没有该身份证号码的预约，可返回首页直接取号", retry: false }
        : { title, message: "预约码不存在，请核对后重新输入", retry: false };
    }
    const day = /is for (\d{4}-\d{2}-\d{2})/.exec(message);
    if (day) {
      const parts = localParts(`${day[1]}T00:00`);
      return { title, message: `该预约是 ${parts.date} 的预约，不是今天在本大厅办理`, retry: false };
    }
    const used = /already used: ticket (\S+) is/.exec(message);
    if (used) return { title, message: `该预约已使用过（号票 ${used[1]} 已结束）`, retry: false };
    const state = /is (\w+)$/.exec(message);
    const states = {
      checked_in: "该预约已签到，请留意叫号",
      late: "该预约已签到，请留意叫号",
      cancelled: "该预约已取消",
      no_show: "该预约已过时效（未按时签到）",
    };
    const said = state && states[state[1]];
    return { title, message: said || `签到未成功（${message}）`, retry: false };
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
