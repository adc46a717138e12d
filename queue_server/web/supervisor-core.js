/*
 * The supervisor console's rules and figures, pure: what a window's tile says
 * and offers, the queues per category and service with their oldest waits,
 * the words of an alert, the day's key figures, and the path and words of a
 * dialog's chosen day. supervisor.js and the dialogs' scripts draw them.
 */
const SupervisorCore = (() => {
  "use strict";

  const { formatDuration, formatShare, secondsSince } = StaffCore;

  // ------------------------------------------------------------ windows

  // A supervisor moves a window between open, paused and closed, and may
  // transfer the visitor a window holds (README: window actions).
  const WINDOW_ACTIONS = {
    closed: ["open"],
    open: ["pause", "close"],
    paused: ["resume", "close"],
    calling: ["transfer"],
    serving: ["transfer"],
  };

  function windowActions(state) {
    return WINDOW_ACTIONS[state] || [];
  }

  const AGE_WORDS = { open: "空闲", calling: "叫号", serving: "办理", paused: "暂停" };

  /** "办理 12分" for how long a window has been in its state; "" when closed or unknown. */
  function windowAge(w, nowMs) {
    const seconds = secondsSince(w.since, nowMs);
    if (!AGE_WORDS[w.state] || seconds === null) return "";
    return `${AGE_WORDS[w.state]} ${formatDuration(seconds)}`;
  }

  /** A visitor at a window past this long is worth a look (a long case, or a clerk away). */
  const LONG_BUSY_S = 30 * 60;

  function windowLong(w, nowMs) {
    const seconds = secondsSince(w.since, nowMs);
    return (w.state === "serving" || w.state === "calling" || w.state === "paused") &&
      seconds !== null && seconds > LONG_BUSY_S;
  }

  // ------------------------------------------------------------ queues

  /** A waiting ticket past its service's target wait (GET /queues gives both). */
  function overTarget(ticket) {
    if (ticket.away) return false; // not in the hall yet (线上取号): nobody can call it
    return ticket.status === "waiting" && ticket.target_s > 0 && ticket.waited_s > ticket.target_s;
  }

  /**
   * Per category, from GET /queues: waiting count, the oldest wait, and
   * whether any of its services waits past target. Every category of the
   * catalogue is listed (an empty queue is news too), in catalogue order.
   */
  function categoryRows(queues, categories) {
    const services = (queues && queues.services) || [];
    return categories.map((c) => {
      const own = services.filter((s) => s.category === c.code);
      const oldest = own.length ? Math.max(...own.map((s) => s.oldest_wait_s)) : null;
      return {
        category: c.code,
        name: c.name,
        waiting: own.reduce((sum, s) => sum + s.waiting, 0),
        oldestWaitS: oldest,
        over: own.some((s) => s.oldest_wait_s > s.target_s),
      };
    });
  }

  /** Per service, oldest first (as /queues sends them), with the over-target mark. */
  function serviceRows(queues) {
    return ((queues && queues.services) || []).map((s) => ({ ...s, over: s.oldest_wait_s > s.target_s }));
  }

  /** Waiting and suspended tickets, longest wait first. */
  function ticketRows(queues) {
    const rows = ((queues && queues.tickets) || []).map((t) => ({ ...t, over: overTarget(t) }));
    return rows.sort((a, b) => b.waited_s - a.waited_s);
  }

  // ------------------------------------------------------------ alerts

  /** The words of an `alert.raised` event's `alert` (day.py: over_wait, queue_length;
   * case_desk.py: case_overdue, case_due_soon; devices.py: device_silent). */
  function alertText(alert) {
    const extra = alert.extra_windows > 0 ? `，建议增开 ${alert.extra_windows} 个窗口` : "";
    if (alert.kind === "over_wait") {
      return {
        title: `${alert.number} 等候超时`,
        detail: `${alert.service_name}：已等 ${formatDuration(alert.waited_s)}` +
          `（目标 ${formatDuration(alert.target_s)}）${extra}`,
      };
    }
    if (alert.kind === "queue_length") {
      return {
        title: `${alert.category_name} 排队过长`,
        detail: `等候 ${alert.waiting} 人${extra}`,
      };
    }
    if (alert.kind === "case_overdue" || alert.kind === "case_due_soon") {
      const what = [alert.kind_name, alert.number, alert.service_name].filter(Boolean).join(" · ");
      const left = alert.kind === "case_overdue" ? "已超过办结期限" : `还剩 ${alert.days_left} 个工作日`;
      return {
        title: `工单 ${alert.case_id} ${alert.kind === "case_overdue" ? "已超期" : "临近期限"}`,
        detail: `${what}：${alert.status_name}，${alert.due_date} 到期，${left}`,
      };
    }
    if (alert.kind === "device_silent") {
      return {
        title: `设备离线：${alert.label || "未命名设备"}`,
        // seen_at is in the hall's time with its offset: its HH:MM is the hall's clock.
        detail: `已 ${formatDuration(alert.silent_s)} 没有心跳（最后一次 ` +
          `${String(alert.seen_at || "").slice(11, 16)}），请检查电源和网络`,
      };
    }
    return { title: "预警", detail: alert.kind || "" };
  }

  /**
   * The day's alerts (GET /alerts, oldest first) as the console lists them:
   * `open` (not yet acknowledged) newest first, and `done` (the history,
   * acknowledged) newest first too.
   */
  function alertLists(alerts) {
    const newestFirst = [...(alerts || [])].reverse();
    return {
      open: newestFirst.filter((a) => !a.acked),
      done: newestFirst.filter((a) => a.acked),
    };
  }

  /** Devices in trouble first; an ok printer needs no one's attention. */
  function deviceRows(devices) {
    return [...devices].sort((a, b) => Number(b.state !== "ok") - Number(a.state !== "ok"));
  }

  // ------------------------------------------------------------ the day's figures

  const GRADE_LABELS = { 5: "非常满意", 4: "满意", 3: "基本满意", 2: "不满意", 1: "非常不满意" };

  /** The key figures of GET /stats as cards: {id, label, value, note}. */
  function kpis(stats) {
    const w = stats.wait_s || {};
    const green = (stats.by_channel && stats.by_channel.green) || { issued: 0, wait_s: {} };
    const normal = (stats.by_channel && stats.by_channel.normal) || { issued: 0, wait_s: {} };
    const d = (s) => formatDuration(s) || "—";
    return [
      { id: "issued", label: "今日取号", value: String(stats.issued), note: `转办 ${stats.transferred}` },
      { id: "served", label: "已办结", value: String(stats.served), note: `办理中 ${stats.in_progress}` },
      { id: "waiting", label: "等候中", value: String(stats.waiting), note: `挂起 ${stats.suspended}` },
      { id: "no_show", label: "过号", value: String(stats.no_show), note: `取消 ${stats.cancelled}` },
      { id: "wait_p50", label: "等候中位数", value: d(w.p50), note: `平均 ${d(w.mean)}` },
      { id: "wait_p90", label: "等候 P90", value: d(w.p90), note: `最长 ${d(w.max)}` },
      { id: "within_target", label: "目标内叫号", value: formatShare(stats.within_target_share), note: "占已叫号" },
      {
        id: "green",
        label: "绿色 / 普通",
        value: `${green.issued} / ${normal.issued}`,
        note: `中位 ${d(green.wait_s.p50)} / ${d(normal.wait_s.p50)}`,
      },
    ];
  }

  /** Ratings by grade, best first, with each grade's share of the count. */
  function ratingRows(ratings) {
    const byGrade = (ratings && ratings.by_grade) || {};
    const count = (ratings && ratings.count) || 0;
    return [5, 4, 3, 2, 1].map((g) => ({
      grade: g,
      label: GRADE_LABELS[g],
      count: byGrade[String(g)] || 0,
      share: count ? (byGrade[String(g)] || 0) / count : 0,
    }));
  }

  // ------------------------------------------------------------ a dialog's day

  /** `path` for the day a date picker holds (YYYY-MM-DD); none: the server's today. */
  function dayPath(path, day) {
    return day ? `${path}?date=${encodeURIComponent(day)}` : path;
  }

  /**
   * A dialog's reads of a chosen day: `read(path, day)` GETs it through `call`
   * (Api.call) and gives the answer, or null when a later read was asked in
   * the meantime: a late answer for an older pick must not overwrite the new.
   */
  function dayReader(call) {
    let asked = 0;
    return async (path, day) => {
      const mine = ++asked;
      const answer = await call("GET", dayPath(path, day));
      return mine === asked ? answer : null;
    };
  }

  /** "今天还没有叫号" on the hall's today, "2026-12-05 没有叫号" on another day. */
  function noneOn(day, today, what) {
    return day === today ? `今天还没有${what}` : `${day} 没有${what}`;
  }

  return Object.freeze({
    windowActions,
    windowAge,
    windowLong,
    overTarget,
    categoryRows,
    serviceRows,
    ticketRows,
    alertText,
    alertLists,
    deviceRows,
    kpis,
    ratingRows,
    GRADE_LABELS,
    dayPath,
    dayReader,
    noneOn,
  });
})();
