/*
 * The ticket machine's flow as a pure reducer: reduce(state, action) -> {state, effects}.
 *
 * No DOM, no network, no clock and no randomness here (kiosk.js does the
 * I/O and passes "today" and fresh idempotency keys in the actions), so the
 * rules that matter can be read in one place and checked with plain data:
 *   - one attempt to take a ticket has one Idempotency-Key, kept through
 *     retries and error screens and dropped only when the attempt is over
 *     (a ticket was shown, another service was chosen, or the page reset):
 *     a network blip can never give a second ticket;
 *   - while a request is on its way, a second tap does nothing;
 *   - an ID number is checked before it is sent, and a bad one is explained;
 *   - a service that is not walk-in offers appointment check-in instead.
 *
 * Screens: loading, categories, services, materials, idnumber, checkin,
 * green (绿色通道: the ID card, or a group no ID number shows), remote
 * (线上取号签到: its rules live in kiosk-remote-flow.js), result, error
 * (a refusal, with a way back), feedback (评价 / 办不成事: its steps live in
 * kiosk-feedback.js) and fatal (the page cannot work).
 * Effects: {type: "issue", body, key}, {type: "checkin", body} and {type: "remote", body}.
 *
 * An ID card comes in whole ({type: "card", number}) from the reader bridge
 * or a reader typing like a keyboard (id-reader.js); a booking code from a
 * scanner on the start screen checks in at once ({type: "scan-code"}).
 */
(function (root) {
  "use strict";

  // In a page the ID rules come from visitor-id.js, loaded first; under Node, require them.
  const Id = root.YiChuangId || require("./visitor-id.js");
  const Remote = root.YiChuangKioskRemote || require("./kiosk-remote-flow.js");

  const CODE_MAX = 12; // appointment codes are 8 characters; leave room, the server decides
  const CODE_MIN = 4;
  const CODE_CHARS = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"; // the booking code alphabet: no 0/O, 1/I

  // The on-screen keypads, beside the rules of what each buffer accepts (typeId,
  // typeCheckin), so a key on screen is never one the reducer would refuse.
  const EDIT_KEYS = {
    backspace: { key: "backspace", label: "⌫", aria: "删除", cls: "fn" },
    clear: { key: "clear", label: "清空", cls: "fn" },
  };
  const KEYPADS = {
    digits: [
      ..."123456789X0".split("").map((k) => ({ key: k, label: k })),
      EDIT_KEYS.backspace,
      { ...EDIT_KEYS.clear, cls: "fn wide" },
    ],
    code: [
      ...CODE_CHARS.split("").map((k) => ({ key: k, label: k })),
      { ...EDIT_KEYS.backspace, label: "⌫ 删除", cls: "fn half" },
      { ...EDIT_KEYS.clear, cls: "fn half" },
    ],
    // Passports and permits: every letter and digit (a passport may hold O and 0, I and 1).
    document: [
      ..."0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ".split("").map((k) => ({ key: k, label: k })),
      { ...EDIT_KEYS.backspace, label: "⌫ 删除 Delete", cls: "fn half" },
      { ...EDIT_KEYS.clear, label: "清空 Clear", cls: "fn half" },
    ],
  };

  // The documents an item may take besides the resident ID (the catalogue's
  // `documents`), named in Chinese and English: a foreigner reads these screens.
  const DOCUMENTS = {
    resident_id: { zh: "居民身份证", en: "Resident ID card" },
    passport: { zh: "护照", en: "Passport" },
    hk_macao_permit: { zh: "港澳居民来往内地通行证", en: "HK/Macao Permit" },
    taiwan_permit: { zh: "台湾居民来往大陆通行证", en: "Taiwan Permit" },
    foreign_pr: { zh: "外国人永久居留身份证", en: "Foreign PR Card" },
  };
  const DOCUMENT_MIN = 5; // the shortest document number; the server checks each format

  // A printer state the visitor must hear about: the ticket will not come out.
  const PRINTER_FAULTS = {
    paper_out: "打印机缺纸",
    offline: "打印机离线",
    cover_open: "打印机纸仓盖未关好",
    error: "打印机故障",
  };

  /**
   * What the kiosk says about its printer, from its device entry (null, or an
   * entry with no state, when the printer never reported): {state: unknown | ok | low | fault, chip, note}.
   * `chip` is the header warning (null: none), `note` the result screen's line.
   */
  function printerStatus(device) {
    const fault = device && PRINTER_FAULTS[device.state];
    if (fault) return { state: "fault", chip: `⚠ ${fault}`, note: `${fault}，请记下您的号码或扫码查看` };
    if (!device || !device.state) {
      return { state: "unknown", chip: null, note: "号票正在打印；如未出票，请记下您的号码或扫码查看" };
    }
    // Low paper still prints: the staff's business, not the visitor's.
    return { state: device.state === "paper_low" ? "low" : "ok", chip: null, note: "号票正在打印，请取走号票" };
  }

  function initialState() {
    return {
      screen: "loading",
      category: null,
      service: null,
      walkIn: true,
      special: null, // the temporary green channel claimed ("我是高考考生"), by id
      docType: "resident_id", // the document the number in idBuffer belongs to
      idBuffer: "",
      idCheck: null, // the last check of idBuffer: {ok, …} or {ok: false, reason, message}
      answers: null, // 办事指引: {question id: option id} for the chosen item, sent with the ticket
      green: null, // the green channel chosen before the item: "id" (proved by age) or "declared"
      declared: null, // a group no ID number shows ("military"), by its id in the hall's list
      greenNote: null, // why the card read on the green screen gives no green channel
      checkinMode: "code",
      checkinBuffer: "",
      checkinCheck: null,
      remoteMode: "scan", // 线上取号签到: scan | id | number (kiosk-remote-flow.js)
      remoteBuffer: "",
      remoteCheck: null,
      remoteSent: null, // the code step: {challenge, phone_masked, number}
      key: null, // the Idempotency-Key of the attempt under way
      pending: null, // the last request, resent unchanged by "retry"
      busy: false,
      from: null, // the screen a request was sent from: where "back" returns after a refusal
      ticket: null,
      error: null, // {title, message, retry}
      errorFrom: null,
      fatal: null,
    };
  }

  /** Back to the start, keeping nothing of the last visitor. */
  function home() {
    return { ...initialState(), screen: "categories" };
  }

  function reduce(state, action) {
    const handler = HANDLERS[action && action.type];
    if (!handler) return same(state);
    // A request on its way owns the screen: only its answer (or a fatal) may change it.
    if (state.busy && !ANSWERS.has(action.type)) return same(state);
    return handler(state, action);
  }

  const ANSWERS = new Set(["issued", "refused", "fatal", "challenged", "code-wrong"]);

  function same(state) {
    return { state, effects: [] };
  }

  function to(state, changes) {
    return { state: { ...state, ...changes }, effects: [] };
  }

  const BACK = {
    services: () => "categories",
    materials: () => "services",
    idnumber: (state) => (state.service ? "materials" : "green"),
    green: () => "categories",
    guide: () => "materials",
    checkin: (state) => (state.service ? "materials" : "categories"),
    error: (state) => state.errorFrom || "categories",
    feedback: () => "categories",
    remote: () => "categories",
  };

  const HANDLERS = {
    ready: (state) => (state.screen === "loading" ? { state: home(), effects: [] } : same(state)),
    fatal: (state, action) => to(state, { screen: "fatal", fatal: action.message, busy: false }),
    home: () => ({ state: home(), effects: [] }),
    // Rating a service or reporting 办不成事 starts from a clean slate, like a new visitor.
    feedback: (state) => (state.screen === "categories" ? { state: { ...home(), screen: "feedback" }, effects: [] } : same(state)),

    category: (state, action) => to(state, { screen: "services", category: action.code }),

    service: (state, action) =>
      to(state, {
        screen: "materials",
        service: action.code,
        walkIn: action.walkIn !== false,
        special: state.service === action.code ? state.special : null,
        answers: state.service === action.code ? state.answers : null,
        // A passport typed for another item stays with that item; a resident ID rides along.
        ...(state.service !== action.code && state.docType !== "resident_id"
          ? { docType: "resident_id", idBuffer: "", idCheck: null }
          : {}),
        // A new choice is a new attempt: a new key when the visitor takes the ticket.
        key: state.service === action.code ? state.key : null,
        pending: null,
      }),

    back: (state) => {
      const back = BACK[state.screen];
      if (!back) return same(state);
      const unsent = Remote.back(state);
      if (unsent) return to(state, unsent);
      const changes = { screen: back(state), error: null };
      if (state.screen === "idnumber" && !(state.idCheck && state.idCheck.ok)) {
        // Leaving with a half-typed or wrong number: it must not ride along unseen.
        changes.idBuffer = "";
        changes.idCheck = null;
      }
      return to(state, changes);
    },

    // A second tap takes the claim back; a new claim is a new attempt (a new key).
    special: (state, action) =>
      state.screen === "materials"
        ? to(state, { special: state.special === action.id ? null : action.id, key: null, pending: null })
        : same(state),

    "id-entry": (state) => (state.walkIn ? to(state, { screen: "idnumber" }) : same(state)),

    // 办事指引 before the ticket: optional, the visitor may take the ticket at any question.
    "guide-entry": (state) => (state.screen === "materials" && state.walkIn ? to(state, { screen: "guide" }) : same(state)),
    answers: (state, action) => (state.screen === "guide" ? to(state, { answers: action.answers }) : same(state)),

    "green-entry": (state) =>
      state.screen === "categories" ? to(state, { screen: "green", greenNote: null }) : same(state),

    // A group no ID number shows: green now, checked by the clerk at the window.
    declare: (state, action) =>
      state.screen === "green"
        ? to(state, { screen: "categories", green: "declared", declared: action.id, key: null })
        : same(state),

    card: (state, action) => readCard({ ...state, docType: "resident_id" }, Id.check(action.number, action.today)),

    // Another document than the resident ID (an item that takes them): a new number.
    "doc-type": (state, action) =>
      state.screen === "idnumber" && DOCUMENTS[action.kind]
        ? to(state, { docType: action.kind, idBuffer: "", idCheck: null, key: null, pending: null })
        : same(state),

    // A booking code from the scanner on the start screen: check in at once.
    "scan-code": (state, action) => {
      if (state.screen !== "categories") return same(state);
      const pending = { type: "checkin", body: { code: action.code } };
      const changes = { screen: "checkin", checkinMode: "code", checkinBuffer: action.code, checkinCheck: null };
      return { state: { ...state, ...changes, pending, busy: true, from: "checkin" }, effects: [pending] };
    },

    "checkin-entry": (state, action) =>
      to(state, {
        screen: "checkin",
        checkinMode: action.mode || state.checkinMode,
        checkinBuffer: "",
        checkinCheck: null,
      }),

    "checkin-mode": (state, action) =>
      to(state, { checkinMode: action.mode, checkinBuffer: "", checkinCheck: null }),

    key: (state, action) => {
      if (state.screen === "idnumber") return typeId(state, action);
      if (state.screen === "checkin") return typeCheckin(state, action);
      if (state.screen === "remote") return to(state, Remote.type(state, action, edit));
      return same(state);
    },

    take: (state, action) => {
      // Typed on the green screen's keypad, before any item: the number decides the channel.
      if (!state.service && state.screen === "idnumber") return identified(state, Id.check(state.idBuffer, action.today));
      if (!state.service || !state.walkIn) return same(state);
      if (!["materials", "idnumber", "guide"].includes(state.screen)) return same(state);
      let idNumber = null;
      if (state.screen === "idnumber" || state.idBuffer) {
        const check = documentCheck(state, action.today);
        if (!check.ok) return to(state, { screen: "idnumber", idCheck: check });
        idNumber = check.number;
      }
      const body = { service: state.service };
      if (idNumber) body.id_number = idNumber;
      if (idNumber && state.docType !== "resident_id") body.document_type = state.docType;
      if (state.special) body.special = state.special;
      if (state.declared) body.declared = state.declared;
      if (state.answers && Object.keys(state.answers).length) body.answers = state.answers;
      const key = state.key || action.key;
      const pending = { type: "issue", body, key };
      return { state: { ...state, key, pending, busy: true, from: state.screen }, effects: [pending] };
    },

    checkin: (state, action) => {
      if (state.screen !== "checkin") return same(state);
      const check = checkinInput(state, action.today);
      if (!check.ok) return to(state, { checkinCheck: check });
      const pending = { type: "checkin", body: check.body };
      return { state: { ...state, pending, busy: true, from: "checkin" }, effects: [pending] };
    },

    // The last request again, unchanged: the same Idempotency-Key, so at most one ticket.
    retry: (state) => {
      if (state.screen !== "error" || !state.pending) return same(state);
      return { state: { ...state, busy: true, from: state.errorFrom }, effects: [state.pending] };
    },

    issued: (state, action) =>
      to(state, { screen: "result", ticket: action.ticket, busy: false, key: null, pending: null }),

    refused: (state, action) =>
      to(state, {
        screen: "error",
        error: action.error,
        errorFrom: state.from || state.screen,
        busy: false,
        ...Remote.afterRefusal(state, action.error),
      }),

    ...Remote.handlers({ to, same, edit }),
  };

  // ------------------------------------------------------------------ ID cards

  // Screens where a card placed on the reader means something.
  const CARD_SCREENS = new Set(["categories", "green", "idnumber", "materials", "checkin", "remote"]);

  /** A card read whole. On the start or green screen it chooses the channel; later it fills the ID. */
  function readCard(state, check) {
    if (!CARD_SCREENS.has(state.screen)) return same(state);
    const number = check.ok ? check.number : "";
    if (state.screen === "remote") return to(state, Remote.card(check));
    if (state.screen === "checkin") {
      return to(state, { checkinMode: "id", checkinBuffer: number, checkinCheck: check.ok ? null : check });
    }
    const changes = { idBuffer: number, idCheck: check, key: null, pending: null };
    if (state.service || state.screen === "categories") {
      if (state.screen === "categories" && check.ok && check.greenByAge) {
        return to(state, { ...changes, green: "id" });
      }
      return to(state, changes);
    }
    return identified(state, check);
  }

  /** The green screen's verdict on an ID number: green by age, or why not. */
  function identified(state, check) {
    if (!check.ok) return to(state, { idCheck: check, greenNote: check.message });
    const changes = { idBuffer: check.number, idCheck: check, key: null, pending: null };
    if (check.greenByAge) return to(state, { ...changes, screen: "categories", green: "id", greenNote: null });
    const note = "已读取身份证；按年龄不在绿色通道范围。如属下列群体请选择，否则请按返回，按普通号办理";
    return to(state, { ...changes, screen: "green", green: null, greenNote: note });
  }

  // ------------------------------------------------------------------ typing

  /** A key typed into a buffer: "backspace", "clear", or one character (letters upper-cased). */
  function edit(buffer, key, max, allowed) {
    if (key === "backspace") return buffer.slice(0, -1);
    if (key === "clear") return "";
    const char = String(key).toUpperCase();
    if (buffer.length >= max || !allowed.test(char)) return buffer;
    return buffer + char;
  }

  /** The number typed for the chosen document: a resident ID checked here, others by the server. */
  function documentCheck(state, today) {
    if (state.docType === "resident_id") return Id.check(state.idBuffer, today);
    if (state.idBuffer.length >= DOCUMENT_MIN) return { ok: true, number: state.idBuffer };
    const message = `证件号码至少 ${DOCUMENT_MIN} 位，请核对 · At least ${DOCUMENT_MIN} characters, please check`;
    return { ok: false, reason: "length", message };
  }

  function typeId(state, action) {
    if (state.docType !== "resident_id") {
      return to(state, { idBuffer: edit(state.idBuffer, action.key, Id.LENGTH, /^[0-9A-Z]$/), idCheck: null });
    }
    const idBuffer = edit(state.idBuffer, action.key, Id.LENGTH, /^[0-9X]$/);
    // Checked as soon as all 18 are in, so a typo shows before "取号" is pressed.
    const idCheck = idBuffer.length === Id.LENGTH ? Id.check(idBuffer, action.today) : null;
    return to(state, { idBuffer, idCheck });
  }

  function typeCheckin(state, action) {
    const checkinBuffer =
      state.checkinMode === "id"
        ? edit(state.checkinBuffer, action.key, Id.LENGTH, /^[0-9X]$/)
        : edit(state.checkinBuffer, action.key, CODE_MAX, /^[A-Z0-9]$/);
    const full = state.checkinMode === "id" && checkinBuffer.length === Id.LENGTH;
    return to(state, { checkinBuffer, checkinCheck: full ? Id.check(checkinBuffer, action.today) : null });
  }

  function checkinInput(state, today) {
    if (state.checkinMode === "id") {
      const check = Id.check(state.checkinBuffer, today);
      return check.ok ? { ok: true, body: { id_number: check.number } } : check;
    }
    if (state.checkinBuffer.length < CODE_MIN) {
      return { ok: false, reason: "code", message: "请输入完整的预约码（短信或预约页面上的 8 位字母数字）" };
    }
    return { ok: true, body: { code: state.checkinBuffer } };
  }

  // ------------------------------------------------------------------ spoken guidance

  // What the machine says when a screen comes up: what to do now, in a few words.
  const PROMPTS = {
    categories: "请选择要办理的业务",
    services: "请选择办理事项",
    materials: "请核对需要带齐的材料，然后按取号",
    idnumber: "请将身份证放在读卡区，或在键盘上输入身份证号码",
    green: "请将身份证放在读卡区。军人、残疾人、孕妇等，请选择您所属的群体",
    checkin: "请扫描预约二维码，或输入预约码",
    guide: "请回答几个问题，生成您的收件清单；也可以直接取号",
    feedback: "请扫描号票上的二维码进行评价",
  };
  const DIGITS_ZH = "零一二三四五六七八九";

  /** The line to say for the state's screen, or null. A ticket number is read digit by digit. */
  function prompt(state) {
    const remote = Remote.prompt(state);
    if (remote) return remote;
    if (state.screen === "result" && state.ticket) {
      const number = String(state.ticket.number).replace(/\d/g, (d) => DIGITS_ZH[Number(d)]);
      return `取号成功，您的号码是 ${number}，请取走号票，留意叫号`;
    }
    if (state.screen === "error" && state.error) return `${state.error.title}。${state.error.message}`;
    if (state.screen === "materials" && !state.walkIn) return "该事项需要预约，已预约的请按预约签到";
    if (state.screen === "categories" && state.green) return "已进入绿色通道，请选择要办理的业务";
    return PROMPTS[state.screen] || null;
  }

  /** Seconds of inactivity before the page returns to the start; null: it stays. */
  function idleLimit(state, limits) {
    if (state.busy) return null;
    if (state.screen === "result") return limits.result;
    if (state.screen === "categories" || state.screen === "loading" || state.screen === "fatal") return null;
    return limits.other;
  }

  const api = { initialState, reduce, idleLimit, printerStatus, prompt, KEYPADS, DOCUMENTS, CODE_MAX };
  root.YiChuangKiosk = Object.freeze(api);
  if (typeof module === "object" && module.exports) module.exports = api;
})(typeof window !== "undefined" ? window : globalThis);
