/*
 * 线上取号签到 at the ticket machine, as part of the kiosk's pure reducer
 * (kiosk-flow.js merges these handlers): a place taken from a phone is called
 * only once its holder has arrived, and here the holder says so, three ways:
 *   - scan:   the QR on the holder's page (the scanner types …/t/{id}, or the
 *             bare id); a /t/ address scanned on the start screen or on 预约签到
 *             comes here too;
 *   - id:     the ID number the place was taken with (the keypad or the card);
 *   - number: today's number (A023), then the 6-digit code texted to the phone
 *             that took it ({type: "challenged", sent} brings the code step).
 * Effect: {type: "remote", body}, the body of POST …/remote-tickets/check-in.
 *
 * No DOM, no network, no clock: `today` comes in the actions, as elsewhere.
 */
(function (root) {
  "use strict";

  const Id = root.YiChuangId || require("./visitor-id.js");

  const MODES = ["scan", "id", "number"];
  const NUMBER_MAX = 6; // "A023", "AB1234": a prefix and the day's count
  const NUMBER = /^[A-Z]{1,2}\d{1,4}$/;
  const CODE_LENGTH = 6;
  // What the holder's page puts in its QR (…/t/{id}), and a bare id as some scanners send it.
  const STATUS_ADDRESS = /\/t\/([A-Za-z0-9_-]{1,64})\/?(?:[?#].*)?$/;
  const BARE_ID = /^[A-Za-z0-9_-]{8,64}$/;

  // The number keypad: the hall's number prefixes (its categories'), then the digits.
  const DIGIT_KEYS = "1234567890".split("").map((k) => ({ key: k, label: k }));
  const EDIT = [
    { key: "backspace", label: "⌫", aria: "删除", cls: "fn" },
    { key: "clear", label: "清空", cls: "fn" },
  ];
  const PIN_KEYS = [...DIGIT_KEYS.slice(0, 9), EDIT[0], DIGIT_KEYS[9], EDIT[1]];

  /** The keys of the number step: prefixes (A, B …) first, then a phone's digit pad. */
  function numberKeys(prefixes) {
    const letters = [...new Set(prefixes.map((p) => String(p || "").toUpperCase()).filter((p) => /^[A-Z]$/.test(p)))];
    return [...letters.map((k) => ({ key: k, label: k, cls: "prefix" })), ...PIN_KEYS];
  }

  /**
   * The ticket id in what a scanner typed, or null. `bare`: a lone id counts
   * too (on the check-in screen; on the start screen a lone code is a booking's).
   */
  function ticketOf(text, bare = true) {
    const typed = String(text || "").trim();
    const address = STATUS_ADDRESS.exec(typed);
    if (address) return address[1];
    return bare && BARE_ID.test(typed) ? typed : null;
  }

  function fields(mode) {
    return { remoteMode: mode, remoteBuffer: "", remoteCheck: null, remoteSent: null };
  }

  /** The handlers kiosk-flow.js adds to its own; `to`, `same`, `edit` are its helpers. */
  function handlers({ to, same, edit }) {
    const send = (state, body) => {
      const pending = { type: "remote", body };
      return { state: { ...state, pending, busy: true, from: "remote", key: null }, effects: [pending] };
    };
    return {
      "remote-entry": (state) => (state.screen === "categories" ? to(state, { screen: "remote", ...fields("scan") }) : same(state)),

      "remote-mode": (state, action) =>
        state.screen === "remote" && MODES.includes(action.mode) ? to(state, fields(action.mode)) : same(state),

      // The holder's QR from the scanner, on the start screen or this one: check in at once.
      "scan-ticket": (state, action) => {
        if (!["categories", "remote", "checkin"].includes(state.screen) || !action.ticket) return same(state);
        return send({ ...state, screen: "remote", ...fields("scan") }, { ticket: action.ticket });
      },

      "remote-go": (state, action) => {
        if (state.screen !== "remote") return same(state);
        const check = input(state, action.today);
        return check.ok ? send({ ...state, remoteCheck: null }, check.body) : to(state, { remoteCheck: check });
      },

      // 202: a code went to the phone that took the number; the code step.
      challenged: (state, action) =>
        to(state, {
          screen: "remote",
          ...fields("number"),
          remoteSent: action.sent,
          busy: false,
          pending: null,
        }),

      // A wrong code is said beside the keypad: the holder types it again (5 tries).
      "code-wrong": (state, action) =>
        to(state, {
          screen: "remote",
          remoteBuffer: "",
          remoteCheck: { ok: false, reason: "code", message: action.message },
          busy: false,
          pending: null,
        }),
    };
  }

  /** Back from the code step is the number step, with the number still typed. */
  function back(state) {
    if (state.screen !== "remote" || !state.remoteSent) return null;
    return { ...fields("number"), remoteBuffer: state.remoteSent.number };
  }

  /**
   * After a refusal: a code that was spent or ran out cannot be tried again,
   * so "返回修改" leads to the number step, not to a dead code (a network
   * failure keeps the code step: "重试" sends the same code again).
   */
  function afterRefusal(state, error) {
    if (error && error.retry) return {};
    const sent = state.pending && state.pending.type === "remote" && state.pending.body.challenge;
    return sent && state.remoteSent ? { ...fields("number"), remoteBuffer: state.remoteSent.number } : {};
  }

  function type(state, action, edit) {
    const mode = state.remoteMode;
    if (mode === "scan") return { remoteBuffer: "", remoteCheck: null };
    if (mode === "id") {
      const remoteBuffer = edit(state.remoteBuffer, action.key, Id.LENGTH, /^[0-9X]$/);
      const full = remoteBuffer.length === Id.LENGTH;
      return { remoteBuffer, remoteCheck: full ? Id.check(remoteBuffer, action.today) : null };
    }
    if (state.remoteSent) return { remoteBuffer: edit(state.remoteBuffer, action.key, CODE_LENGTH, /^[0-9]$/), remoteCheck: null };
    return { remoteBuffer: edit(state.remoteBuffer, action.key, NUMBER_MAX, /^[A-Z0-9]$/), remoteCheck: null };
  }

  /** A card read on this screen: the ID way, with the card's number. */
  function card(check) {
    return { ...fields("id"), remoteBuffer: check.ok ? check.number : "", remoteCheck: check.ok ? null : check };
  }

  function input(state, today) {
    const typed = state.remoteBuffer;
    if (state.remoteMode === "scan") {
      return { ok: false, reason: "scan", message: "请将手机上的号码二维码对准扫码口；也可以选择身份证号码或号码签到" };
    }
    if (state.remoteMode === "id") {
      const check = Id.check(typed, today);
      return check.ok ? { ok: true, body: { id_number: check.number } } : check;
    }
    if (state.remoteSent) {
      if (typed.length === CODE_LENGTH) return { ok: true, body: { challenge: state.remoteSent.challenge, code: typed } };
      return { ok: false, reason: "code", message: `请输入短信中的 ${CODE_LENGTH} 位验证码` };
    }
    if (NUMBER.test(typed)) return { ok: true, body: { number: typed } };
    return { ok: false, reason: "number", message: "请输入完整的号码：字母加数字，例如 A023" };
  }

  // Titles of the refusals this screen meets (the server words the message).
  const TITLES = {
    remote_not_found: "未查到线上取号",
    unknown_ticket: "未查到线上取号",
    remote_ended: "号码已失效",
    not_remote: "无需签到",
    otp_wrong: "验证码不正确",
    otp_exhausted: "验证码错误次数过多",
    otp_expired: "验证码已失效",
  };

  /** {title, message, retry} of a refused check-in, from Text.explain's answer and the server's code. */
  function explain(base, status, code) {
    if (status === 429) {
      return { title: "操作过于频繁", message: "请稍后再试，或改用扫码、身份证号码签到；如需帮助请咨询工作人员", retry: false };
    }
    return { ...base, title: TITLES[code] || (status >= 400 && status < 500 ? "无法签到" : base.title) };
  }

  /**
   * A scanned ticket this hall has no remote place for, as its public view
   * tells (GET /api/tickets/{id}): another hall's number, or a ticket taken
   * here at a machine, which needs no check-in; null when neither.
   */
  function notHere(view, hall) {
    if (view.hall !== hall) {
      return { title: "不是本大厅的号码", message: `这是「${view.hall_name}」的号码 ${view.number}，请到该大厅签到`, retry: false };
    }
    if (view.remote) return null;
    const message = `${view.number} 号是在大厅取的号，无需签到，请留意叫号；办完后可点「评价 / 办不成事」扫码评价`;
    return { title: TITLES.not_remote, message, retry: false };
  }

  const DIGITS_ZH = "零一二三四五六七八九";

  /** What the machine says on this screen; the phone number is never read out. */
  function prompt(state) {
    if (state.screen === "result" && state.ticket && state.ticket.remote) {
      const number = String(state.ticket.number).replace(/\d/g, (d) => DIGITS_ZH[Number(d)]);
      return `签到成功，您的号码是 ${number}，请留意叫号`;
    }
    if (state.screen !== "remote") return null;
    if (state.remoteSent) return "验证码已发送到取号时登记的手机，请输入短信中的六位验证码";
    return {
      scan: "请将手机上的号码二维码对准扫码口，也可以选择身份证号码或号码签到",
      id: "请将身份证放在读卡区，或输入取号时登记的身份证号码",
      number: "请输入您的号码，例如 A零二三",
    }[state.remoteMode];
  }

  const api = { MODES, CODE_LENGTH, PIN_KEYS, numberKeys, ticketOf, handlers, back, afterRefusal, type, card, explain, notHere, prompt };
  root.YiChuangKioskRemote = Object.freeze(api);
  if (typeof module === "object" && module.exports) module.exports = api;
})(typeof window !== "undefined" ? window : globalThis);
