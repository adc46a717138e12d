/*
 * The ticket machine's shell: loads the hall, draws the flow, sends requests,
 * watches the printer, resets after idle time.
 *
 * The decisions live in kiosk-flow.js (a pure reducer: screens, typing, the
 * idempotency key of an attempt) and the wording in visitor-text.js; this
 * file only moves events in and pixels out.
 *
 * Test hooks on <body>: data-screen (the reducer's screen), data-busy (a
 * request is on its way) and data-printer (unknown | ok | low | fault).
 * `?idle_s=N` shortens the idle reset for tests and demonstrations.
 */
(function () {
  "use strict";

  const Flow = window.YiChuangKiosk;
  const Remote = window.YiChuangKioskRemote;
  const Text = window.YiChuangText;
  const { byId, el, setText, show } = Dom;

  const body = document.body;
  const params = new URLSearchParams(window.location.search);
  const hall = body.dataset.hall;
  const hallPath = `/api/halls/${encodeURIComponent(hall)}`;

  // Seconds without a touch before the page starts over. The result screen is
  // shorter (the visitor has the ticket) unless the printer failed: then the
  // number stays up longer, to be written down or scanned.
  const IDLE = idleSettings(Number(params.get("idle_s")));
  const SEND_RETRY_MS = [500, 1500, 3000]; // network blips: same request, same key
  const PRINTER_POLL_MS = 10000;
  const PRINTER_POLL_RESULT_MS = 2000; // a fault during this very ticket must show
  const CONFIG_MAX_AGE_MS = 60000;
  const CONFIG_RETRY_MAX_MS = 30000;
  const STALE_LISTING = new Set(["service_not_offered", "appointment_only"]);
  const BACK_SCREENS = new Set(["services", "materials", "idnumber", "checkin", "remote", "error", "feedback", "green", "guide"]);
  const HOME_SCREENS = new Set([...BACK_SCREENS, "result"]);
  const QUIET = new Set(["ready", "fatal"]); // no visitor caused these: nothing is said
  const TILE_KEY_MS = 120; // a digit alone picks a tile; one of a scanner's fast run does not

  let state = Flow.initialState();
  let config = null; // {me, hall, categories: [...], services: Map, loadedAt}
  let printer = null; // this kiosk's device entry; null until its printer reports
  let lastActivity = Date.now();
  let printerTimer = null;
  const drawn = {}; // what each list was last built for: rebuilt only when that changes

  function idleSettings(override) {
    if (override > 0) return { result: override, fault: override, other: override };
    return { result: 30, fault: 60, other: 60 };
  }

  // ------------------------------------------------------------------ state

  let lastPrompt = null;

  function dispatch(action) {
    const before = state.screen;
    const result = Flow.reduce(state, action);
    state = result.state;
    if (state.screen !== before) lastActivity = Date.now(); // each screen gets its full time
    if (before === "feedback" && state.screen !== "feedback") KioskFeedback.leave();
    render();
    const prompt = Flow.prompt(state);
    if (prompt !== lastPrompt && !QUIET.has(action.type) && !action.quiet) KioskAccess.speak(prompt);
    lastPrompt = prompt;
    if (before !== "feedback" && state.screen === "feedback") enterFeedback();
    if (before !== "guide" && state.screen === "guide") enterGuide();
    for (const effect of result.effects) perform(effect);
  }

  function today() {
    return dayIn(config ? config.hall.timezone : undefined);
  }

  function dayIn(zone) {
    // en-CA writes dates as YYYY-MM-DD.
    try {
      return new Intl.DateTimeFormat("en-CA", { timeZone: zone }).format(new Date());
    } catch (err) {
      return new Intl.DateTimeFormat("en-CA").format(new Date());
    }
  }

  // ------------------------------------------------------------------ requests

  async function perform(effect) {
    if (effect.type === "remote") return checkInRemote(effect);
    const path = effect.type === "issue" ? `${hallPath}/tickets` : `${hallPath}/appointments/check-in`;
    const headers = effect.key ? { "Idempotency-Key": effect.key } : {};
    const result = await withRetries(() => Api.call("POST", path, effect.body, headers));
    if (result.status === 200 && effect.type !== "issue") {
      // Checked in before: the server answers with the ticket it already gave.
      dispatch({ type: "refused", error: Text.alreadyCheckedIn(result.data) });
      return;
    }
    if (result.ok) {
      dispatch({ type: "issued", ticket: result.data });
      pollPrinter(); // right away: did this ticket print?
      return;
    }
    // The hall changed its catalogue since this machine listed it: list it
    // again as soon as the start screen shows.
    if (config && result.data && STALE_LISTING.has(result.data.error)) config.stale = true;
    const options = {
      todayIso: today(),
      checkinEarlyMin: config && config.hall.policy ? config.hall.policy.checkin_early_min : 0,
    };
    dispatch({ type: "refused", error: Text.explain(result, effect.type, options) });
  }

  /**
   * 线上取号签到: 202 is the code step (a code went to the phone), 200 the
   * holder's place now in the queue; a wrong code is said beside the keypad.
   */
  async function checkInRemote(effect) {
    const path = `${hallPath}/remote-tickets/check-in`;
    const result = await withRetries(() => Api.call("POST", path, effect.body));
    const data = result.data || {};
    if (result.status === 202) return dispatch({ type: "challenged", sent: data });
    if (result.ok && data.status === "waiting") return dispatch({ type: "issued", ticket: data });
    if (result.ok) {
      // Checked in before and called, or over already: what the place is now.
      const status = Text.statusOf(data);
      const message = data.window ? `已叫到您的号码，请到 ${data.window} 号窗口办理` : status.note;
      return dispatch({ type: "refused", error: { title: `${data.number} 号${status.label}`, message } });
    }
    if (data.error === "otp_wrong") return dispatch({ type: "code-wrong", message: data.message });
    const scanned = data.error === "remote_not_found" && effect.body.ticket ? await notHere(effect.body.ticket) : null;
    const error = scanned || Remote.explain(Text.explain(result, "checkin"), result.status, data.error);
    return dispatch({ type: "refused", error });
  }

  /** Why a scanned ticket has no remote place here: its own hall's, or a machine's ticket. */
  async function notHere(ticket) {
    const found = await Api.call("GET", `/api/tickets/${encodeURIComponent(ticket)}`);
    return found.ok ? Remote.notHere(found.data, hall) : null;
  }

  function transient(result) {
    return result.status === 0 || result.status >= 500;
  }

  async function withRetries(send) {
    let result = await send();
    for (const delay of SEND_RETRY_MS) {
      if (!transient(result)) break;
      await sleep(delay);
      result = await send();
    }
    return result;
  }

  function sleep(ms) {
    return new Promise((resolve) => setTimeout(resolve, ms));
  }

  // ------------------------------------------------------------------ hall data

  async function loadConfig() {
    const [me, hallView, catalogue, channels, declared] = await Promise.all([
      Api.call("GET", "/api/whoami"),
      Api.call("GET", hallPath),
      Api.call("GET", `${hallPath}/catalogue`), // the hall's own items: enabled, materials
      Api.call("GET", `${hallPath}/green-channels`),
      Api.call("GET", `${hallPath}/declared-groups`),
    ]);
    const failed = [me, hallView, catalogue, channels].find((r) => !r.ok);
    if (failed) return transient(failed) ? { retry: true } : { fatal: refusal(failed) };
    if (me.data.role !== "kiosk") return { fatal: `此令牌不是取号机令牌（而是 ${me.data.role}）` };
    const config = buildConfig(me.data, hallView.data, catalogue.data);
    // Temporary green channels (专项服务) are offered only while they run.
    config.channels = channels.data.green_channels.filter((c) => c.running);
    // Groups no ID number shows (军人, 残疾人 …); an older server has none to offer.
    config.groups = declared.ok ? declared.data.groups : [];
    return { config };
  }

  /** Why the machine cannot start: the server's words (Chinese), or the status. */
  function refusal(result) {
    return (result.data && result.data.message) || `服务器拒绝了请求（${result.status}）`;
  }

  /** The hall's offer in catalogue order: categories with their walk-in and appointment services. */
  function buildConfig(me, hallView, catalogue) {
    const services = new Map();
    for (const s of catalogue.services) if (s.enabled) services.set(s.code, s);
    const categories = catalogue.categories
      .map((c) => ({ ...c, services: [...services.values()].filter((s) => s.category === c.code) }))
      .filter((c) => c.services.length > 0);
    return { me, hall: hallView, categories, services, loadedAt: Date.now() };
  }

  async function boot() {
    if (!Api.token) {
      dispatch({ type: "fatal", message: "取号机地址缺少令牌：请在地址后加上 ?token=…" });
      return;
    }
    for (let attempt = 0; ; attempt += 1) {
      const loaded = await loadConfig();
      if (loaded.fatal) {
        dispatch({ type: "fatal", message: loaded.fatal });
        return;
      }
      if (loaded.config) {
        useConfig(loaded.config);
        dispatch({ type: "ready" });
        pollPrinter();
        DeviceBeat.start({ hall, onRefused: (message) => dispatch({ type: "fatal", message }) });
        return;
      }
      setText("loading-message", `暂时无法连接服务器，正在重试（第 ${attempt + 1} 次）…`);
      await sleep(Math.min(CONFIG_RETRY_MAX_MS, 1000 * 2 ** attempt));
    }
  }

  function useConfig(next) {
    config = next;
    setText("hall-name", next.hall.name);
    document.title = `${next.hall.name} · 自助取号`;
    for (const key of Object.keys(drawn)) delete drawn[key];
    tickClock();
  }

  // Windows open and close during the day: refresh between visitors, quietly.
  async function refreshConfig() {
    if (!config || (!config.stale && Date.now() - config.loadedAt < CONFIG_MAX_AGE_MS)) return;
    const loaded = await loadConfig();
    if (loaded.config && state.screen === "categories") {
      useConfig(loaded.config);
      render();
    }
  }

  // ------------------------------------------------------------------ printer

  async function pollPrinter() {
    clearTimeout(printerTimer);
    if (config) {
      const result = await Api.call("GET", `${hallPath}/devices`);
      if (result.ok && Array.isArray(result.data)) {
        printer = result.data.find((d) => d.id === config.me.token_id) || null;
        renderPrinter();
      }
    }
    const delay = state.screen === "result" ? PRINTER_POLL_RESULT_MS : PRINTER_POLL_MS;
    printerTimer = setTimeout(pollPrinter, delay);
  }

  function printerStatus() {
    return Flow.printerStatus(printer);
  }

  function renderPrinter() {
    const status = printerStatus();
    body.dataset.printer = status.state;
    show("printer-chip", Boolean(status.chip));
    setText("printer-chip", status.chip || "");
    if (state.screen === "result") renderPrintNote();
  }

  function renderPrintNote() {
    if (state.ticket && state.ticket.remote) {
      // Nothing prints for a place taken from a phone: its page follows the queue.
      setText("r-print", "无需再取号，手机页面同步显示排队进度");
      byId("r-print").classList.remove("alert");
      return;
    }
    const status = printerStatus();
    setText("r-print", status.note);
    byId("r-print").classList.toggle("alert", status.state === "fault");
  }

  // ------------------------------------------------------------------ drawing

  const SCREENS = {
    categories: renderCategories,
    services: renderServices,
    materials: renderMaterials,
    idnumber: renderIdNumber,
    green: renderGreen,
    checkin: renderCheckin,
    remote: renderRemote,
    result: renderResult,
    error: renderError,
    fatal: () => setText("fatal-message", state.fatal || ""),
  };

  function render() {
    body.dataset.screen = state.screen;
    body.dataset.busy = String(state.busy);
    const draw = SCREENS[state.screen];
    if (draw) draw();
    show("back", BACK_SCREENS.has(state.screen));
    show("home", HOME_SCREENS.has(state.screen));
    show("busy", state.busy);
    setText("busy-message", state.pending && state.pending.type !== "issue" ? "正在签到，请稍候…" : "正在取号，请稍候…");
    tickIdle();
  }

  /** Rebuild a list only when what it shows changed (keeps focus for keyboard users). */
  function once(name, key, build) {
    if (drawn[name] === key) return;
    drawn[name] = key;
    build();
  }

  function tile(index, action, parts) {
    const button = el("button", "tile", [el("span", "tile-index", String(index + 1)), ...parts]);
    button.type = "button";
    button.addEventListener("click", () => dispatch(action));
    return el("li", "tile-item", [button]);
  }

  function renderCategories() {
    // A closed hall says so before anyone picks an item the server would refuse.
    const closed = config.hall.open_now === false;
    show("closed-note", closed);
    show("categories", !closed);
    show("green-hint", !closed);
    show("to-green", !closed && !state.green);
    show("green-banner", Boolean(state.green) || Boolean(state.idCheck && state.idCheck.ok));
    setText("green-banner", greenStatus());
    setText("categories-title", closed ? "暂停取号" : "请选择业务类别");
    if (closed) setText("closed-message", Text.hallClosed(config.hall.opens_at, today()).message);
    once("categories", config.loadedAt, () => {
      const tiles = config.categories.map((c, i) =>
        tile(i, { type: "category", code: c.code }, [
          el("span", "tile-head", [el("span", "tile-prefix", c.prefix), el("span", "tile-name", c.name)]),
          el("span", "tile-sub", `${c.services.length} 项业务 · ${c.prefix} 字头号码`),
        ]),
      );
      byId("categories").replaceChildren(...tiles);
    });
  }

  function category() {
    return config.categories.find((c) => c.code === state.category) || { name: "", services: [] };
  }

  function service() {
    return config.services.get(state.service) || null;
  }

  function renderServices() {
    const current = category();
    setText("services-title", `${current.name} · 请选择办理事项`);
    once("services", `${config.loadedAt}|${current.code}`, () => {
      const tiles = current.services.map((s, i) =>
        tile(i, { type: "service", code: s.code, walkIn: s.walk_in }, [
          el("span", "tile-name", s.name),
          el("span", "tile-sub", [
            el("span", null, `办理约 ${s.minutes} 分钟`),
            s.walk_in ? null : el("span", "tag", "需预约"),
          ]),
        ]),
      );
      byId("services").replaceChildren(...tiles);
    });
  }

  function renderMaterials() {
    const s = service();
    if (!s) return;
    setText("m-name", s.name);
    setText("m-meta", `${category().name} · 办理约 ${s.minutes} 分钟`);
    once("materials", s.code, () => Dom.fillMaterials(byId("m-list"), s.materials));
    show("m-walkin", s.walk_in);
    show("m-appointment", !s.walk_in);
    const note = windowsNote(s);
    show("m-note", Boolean(note));
    setText("m-note", note);
    const typed = state.idCheck && state.idCheck.ok;
    show("m-id-status", Boolean(typed || state.declared));
    setText("m-id-status", greenStatus());
    const foreign = (s.documents || []).some((k) => k !== "resident_id");
    setText("to-id-label", foreign ? "输入证件号码 · Enter your passport / permit number"
      : typed ? "修改身份证号码" : "绿色通道：输入身份证号码");
    renderSpecials(s);
    show("to-guide", Boolean(s.walk_in && s.guide));
    const answered = Object.keys(state.answers || {}).length > 0;
    setText("to-guide-sub", answered ? "已核对 · 可修改" : "按情况核对材料");
  }

  /** 办事指引 (guide-tree.js): a few questions, the visitor's own 收件清单; answers go with the ticket. */
  function enterGuide() {
    const s = service();
    setText("guide-title", `办事指引 · ${s.name}`);
    GuideTree.mount(byId("guide-box"), s.guide, s.materials, (now) => dispatch({ type: "answers", answers: now.answers }), {
      layout: "kiosk",
      answers: state.answers || {},
    });
  }

  /** "我是高考考生": one toggle per temporary green channel that covers this item. */
  function renderSpecials(s) {
    const channels = (config.channels || []).filter((c) => c.services.includes(s.code));
    show("m-specials", channels.length > 0);
    once("specials", `${config.loadedAt}|${s.code}`, () => {
      byId("m-specials").replaceChildren(...channels.map((c) => {
        const button = el("button", "k-btn secondary special", [
          el("span", "k-btn-main", `我是${c.group_label}`),
          el("span", "k-btn-sub", "专项服务期间优先办理，请备好相关证明"),
        ]);
        button.type = "button";
        button.dataset.channel = c.id;
        button.addEventListener("click", () => dispatch({ type: "special", id: c.id }));
        return button;
      }));
    });
    for (const button of byId("m-specials").querySelectorAll("button")) {
      const chosen = state.special === button.dataset.channel;
      button.setAttribute("aria-pressed", String(chosen));
      button.querySelector(".k-btn-main").textContent =
        `${chosen ? "✓ " : ""}我是${channels.find((c) => c.id === button.dataset.channel).group_label}`;
    }
  }

  /**
   * Whether a window is there to call this service now, as far as the last hall
   * data knows. A walk-in may still take a ticket for when one opens; an
   * appointment-only item is never "取号" here, so its note says only the fact.
   */
  function windowsNote(s) {
    const accepts = (w) =>
      w.services === "all" || (w.services || []).includes(s.code) || (w.categories || []).includes(s.category);
    const able = (config.hall.windows || []).filter(accepts);
    if (!able.length) return "本大厅暂无窗口受理该事项，请咨询工作人员";
    const open = able.some((w) => ["open", "calling", "serving"].includes(w.state));
    if (open) return "";
    return s.walk_in
      ? "目前没有开放的窗口受理该事项：可以取号，窗口开放后按顺序叫号"
      : "受理该事项的窗口目前未开放";
  }

  /** One line on what the visitor has shown so far: never the number, only its last four. */
  function greenStatus() {
    const typed = state.idCheck && state.idCheck.ok ? `已读取身份证（尾号 ${state.idCheck.number.slice(-4)}）` : "";
    if (state.green === "id") return `绿色通道：${typed}，符合优先条件`;
    if (state.declared) {
      const group = (config.groups || []).find((g) => g.id === state.declared);
      return `绿色通道：${group ? group.label : "优先群体"}（请到窗口出示相关证件）`;
    }
    return typed;
  }

  /** 绿色通道: the card on the reader, or the groups the hall accepts on the visitor's word. */
  function renderGreen() {
    show("g-note", Boolean(state.greenNote));
    setText("g-note", state.greenNote || "");
    once("groups", config.loadedAt, () => {
      byId("g-groups").replaceChildren(...(config.groups || []).map((g) => {
        const button = el("button", "k-btn secondary g-group", `我是${g.label}`);
        button.type = "button";
        button.dataset.group = g.id;
        button.addEventListener("click", () => dispatch({ type: "declare", id: g.id }));
        return button;
      }));
    });
  }

  function renderIdNumber() {
    const resident = state.docType === "resident_id";
    const keypad = resident ? "digits" : "document";
    once("id-keypad", keypad, () => buildKeypad(byId("id-keypad"), Flow.KEYPADS[keypad]));
    byId("id-keypad").className = `keypad keypad-${keypad === "digits" ? "digits" : "document"}`;
    renderDocuments();
    const hint = resident ? idHint : (buffer) => `已输入 ${buffer.length} 位 · ${buffer.length} characters`;
    const shown = resident ? window.YiChuangId.grouped : (text) => text;
    renderEntry("id-display", "id-message", state.idBuffer, state.idCheck, hint, shown);
  }

  /**
   * Items that take foreigners' and 港澳台 residents' documents (the catalogue's
   * `documents`) offer them here, with English beside the Chinese.
   */
  function renderDocuments() {
    const s = service();
    const kinds = (s && s.documents) || ["resident_id"];
    const foreign = kinds.some((k) => k !== "resident_id");
    show("id-docs", foreign);
    const doc = Flow.DOCUMENTS[state.docType];
    setText("id-title", foreign ? `输入${doc.zh}号码 · ${doc.en} number` : "输入身份证号码");
    setText("id-lead", foreign
      ? "请选择证件类型并输入号码 · Choose your document and enter its number. 号码仅用于核验，不会显示在大厅屏幕上"
      : "60 周岁以上老人、16 周岁以下未成年人可走绿色通道优先办理。号码仅用于核验，不会显示在大厅屏幕上。");
    // From the green screen no item is chosen yet: the number only decides the channel.
    setText("id-take", !s ? "确 认" : foreign ? "确认并取号 · Take a ticket" : "确认并取号");
    if (!foreign) return;
    once("id-docs", kinds.join(), () => {
      byId("id-docs").replaceChildren(...kinds.map((kind) => {
        const button = el("button", "segment", [
          el("span", "doc-zh", Flow.DOCUMENTS[kind].zh),
          el("span", "doc-en", Flow.DOCUMENTS[kind].en),
        ]);
        button.type = "button";
        button.dataset.kind = kind;
        button.setAttribute("role", "tab");
        button.addEventListener("click", () => dispatch({ type: "doc-type", kind }));
        return button;
      }));
    });
    for (const button of byId("id-docs").children) {
      const chosen = button.dataset.kind === state.docType;
      button.classList.toggle("selected", chosen);
      button.setAttribute("aria-selected", String(chosen));
    }
  }

  function idHint(buffer) {
    return `已输入 ${buffer.length} / 18 位`;
  }

  function renderCheckin() {
    const mode = state.checkinMode;
    for (const id of ["mode-code", "mode-id"]) {
      const selected = byId(id).dataset.mode === mode;
      byId(id).classList.toggle("selected", selected);
      byId(id).setAttribute("aria-selected", String(selected));
    }
    const keys = mode === "id" ? Flow.KEYPADS.digits : Flow.KEYPADS.code;
    once("checkin-keypad", mode, () => buildKeypad(byId("checkin-keypad"), keys));
    byId("checkin-keypad").classList.toggle("keypad-digits", mode === "id");
    byId("checkin-keypad").classList.toggle("keypad-code", mode !== "id");
    const hint = mode === "id" ? idHint : () => "请输入预约短信或预约页面上的预约码";
    const shown = mode === "id" ? window.YiChuangId.grouped : (code) => code;
    renderEntry("checkin-display", "checkin-message", state.checkinBuffer, state.checkinCheck, hint, shown);
  }

  /** 线上取号签到 (kiosk-remote-flow.js): the scanner, or a keypad for the ID number, the number or the code. */
  function renderRemote() {
    const { remoteMode: mode, remoteSent: sent } = state;
    byId("remote-title").closest("section").dataset.mode = mode;
    for (const id of ["remote-scan", "remote-id", "remote-number"]) {
      const selected = byId(id).dataset.mode === mode;
      byId(id).classList.toggle("selected", selected);
      byId(id).setAttribute("aria-selected", String(selected));
    }
    const scanning = mode === "scan";
    for (const id of ["remote-entry", "remote-keypad", "remote-go"]) show(id, !scanning);
    show("remote-scan-box", scanning);
    if (!byId("remote-scan-box").querySelector("svg")) byId("remote-scan-box").prepend(KioskFeedback.qrIcon());
    show("remote-sent", Boolean(sent));
    setText("remote-sent", sent ? `${sent.number} 号：验证码已发送至 ${sent.phone_masked}` : "");
    const pad = mode === "id" ? "id" : sent ? "code" : "number";
    const keys = { id: Flow.KEYPADS.digits, code: Remote.PIN_KEYS };
    const prefixes = () => Remote.numberKeys(config.categories.map((c) => c.prefix));
    once("remote-keypad", `${pad}|${config.loadedAt}`, () => buildKeypad(byId("remote-keypad"), keys[pad] || prefixes()));
    byId("remote-keypad").className = `keypad keypad-digits rm-pad-${pad}`;
    setText("remote-go", pad === "number" ? "发送验证码" : "签 到");
    const hints = {
      id: (typed) => `${idHint(typed)} · 请输入线上取号时登记的身份证号码`,
      number: () => "请输入号码：先按字母，再按数字，例如 A023",
      code: (typed) => `请输入短信中的 ${Remote.CODE_LENGTH} 位验证码（已输入 ${typed.length} 位）`,
    };
    const hint = scanning ? () => "也可以选择上方的「身份证号码」或「号码＋短信验证码」签到" : hints[pad];
    const check = state.remoteCheck && !state.remoteCheck.ok ? state.remoteCheck : null;
    const shown = pad === "id" ? window.YiChuangId.grouped : (text) => text;
    renderEntry("remote-display", "remote-message", state.remoteBuffer, check, hint, shown);
  }

  function renderEntry(displayId, messageId, buffer, check, hint, format) {
    const display = byId(displayId);
    display.textContent = format(buffer);
    display.classList.toggle("empty", !buffer);
    const message = byId(messageId);
    message.className = "entry-message";
    if (check && !check.ok) {
      message.classList.add("error");
      message.textContent = check.message;
    } else if (check && check.ok && "greenByAge" in check) {
      message.classList.add("ok");
      message.textContent = check.greenByAge
        ? "号码有效，符合绿色通道条件"
        : "号码有效；按年龄不在绿色通道范围，将按普通号办理";
    } else {
      message.textContent = hint(buffer);
    }
  }

  function buildKeypad(container, keys) {
    const buttons = keys.map((k) => {
      const button = el("button", `key ${k.cls || ""}`.trim(), k.label);
      button.type = "button";
      button.dataset.key = k.key;
      button.setAttribute("aria-label", k.aria || k.label);
      return button;
    });
    container.replaceChildren(...buttons);
  }

  function renderResult() {
    const t = state.ticket;
    if (!t) return;
    setText("r-number", t.number);
    setText("r-head", t.remote ? "签到成功，请留意叫号" : "您的号码");
    byId("r-head").classList.toggle("r-head-ok", Boolean(t.remote));
    show("r-remote", Boolean(t.remote));
    show("r-green", Boolean(t.green_channel));
    show("r-appointment", Boolean(t.appointment && t.appointment.arrival === "on_time"));
    setText("r-service", t.service_name);
    setText("r-ahead", String(t.position));
    const facts = Text.queueFacts(t);
    setText("r-wait", facts.wait);
    show("r-nowindow", Boolean(facts.noWindow));
    setText("r-nowindow", facts.noWindow || "");
    show("r-order", Boolean(facts.order));
    setText("r-order", facts.order || "");
    once("qr", t.id, () => {
      show("r-qr-box", true);
      // No public address configured: the one this kiosk reached the server by.
      const statusUrl = t.status_url || `${location.origin}${Api.root()}/t/${t.id}`;
      byId("r-qr").src = `${Api.root()}/qr.svg?data=${encodeURIComponent(statusUrl)}`;
    });
    renderPrintNote();
  }

  function renderError() {
    const e = state.error || { title: "", message: "" };
    setText("e-title", e.title);
    setText("e-message", e.message);
    show("e-retry", Boolean(e.retry && state.pending));
    show("e-back", Boolean(state.errorFrom && state.errorFrom !== "categories"));
  }

  /** 评价 / 办不成事 (kiosk-feedback.js): the kiosk's token and item list go with it. */
  function enterFeedback() {
    KioskFeedback.enter({
      root: byId("feedback"),
      hall,
      services: () => config.categories.flatMap((c) =>
        c.services.map((s) => ({ code: s.code, name: s.name, group: c.name }))),
      home: goHome,
      activity,
      homeIn: (seconds) => {
        lastActivity = Date.now() - Math.max(0, IDLE.other - seconds) * 1000;
        tickIdle();
      },
    });
  }

  // ------------------------------------------------------------------ clock and idle

  function tickClock() {
    const zone = config ? config.hall.timezone : undefined;
    const options = {
      month: "long",
      day: "numeric",
      weekday: "short",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    };
    try {
      setText("clock", new Intl.DateTimeFormat("zh-CN", { ...options, timeZone: zone }).format(new Date()));
    } catch (err) {
      setText("clock", new Intl.DateTimeFormat("zh-CN", options).format(new Date()));
    }
  }

  function idleLimits() {
    return { result: printerStatus().state === "fault" ? IDLE.fault : IDLE.result, other: IDLE.other };
  }

  function tickIdle() {
    const limit = Flow.idleLimit(state, idleLimits());
    const countdown = byId("countdown");
    if (limit === null) {
      countdown.textContent = state.screen === "categories" ? "如需帮助，请咨询导办台工作人员" : "";
      // The start screen has no countdown, but a visitor who set large type there has left too.
      if (state.screen === "categories" && Date.now() - lastActivity > IDLE.other * 1000) {
        if (state.green || state.idBuffer) dispatch({ type: "home", quiet: true });
        KioskAccess.reset();
      }
      return;
    }
    const left = Math.ceil(limit - (Date.now() - lastActivity) / 1000);
    if (left <= 0) {
      dispatch({ type: "home", quiet: true });
      KioskAccess.reset(); // large type and the voice were this visitor's
      refreshConfig();
      return;
    }
    countdown.textContent = `${left} 秒后自动返回首页`;
  }

  function activity() {
    lastActivity = Date.now();
  }

  // ------------------------------------------------------------------ input

  const PRIMARY = {
    materials: () => (service() && service().walk_in ? take() : dispatch({ type: "checkin-entry" })),
    idnumber: () => take(),
    guide: () => take(),
    checkin: () => dispatch({ type: "checkin", today: today() }),
    remote: () => dispatch({ type: "remote-go", today: today() }),
    result: () => goHome(),
    error: () => dispatch({ type: state.error && state.error.retry && state.pending ? "retry" : "back" }),
  };

  function take() {
    // A fresh key is offered on every tap; the reducer keeps the attempt's first one.
    dispatch({ type: "take", key: Api.newKey(), today: today() });
  }

  /** The number screen, on a document the item takes (a 港澳台 permit where no resident ID is). */
  function toId() {
    dispatch({ type: "id-entry" });
    const kinds = (service() && service().documents) || ["resident_id"];
    if (!kinds.includes(state.docType)) dispatch({ type: "doc-type", kind: kinds[0] });
  }

  function goHome() {
    dispatch({ type: "home" });
    refreshConfig();
  }

  function escape() {
    if (state.screen === "result") goHome();
    else dispatch({ type: "back" });
  }

  function onKeyDown(event) {
    activity();
    // A character right after another is a scanner's, not a person's.
    const inRun = event.key.length === 1 && event.timeStamp - lastKeyAt <= TILE_KEY_MS;
    if (event.key.length === 1) lastKeyAt = event.timeStamp;
    if (inRun) clearTimeout(tileTimer);
    if (state.screen === "feedback" && KioskFeedback.onKey(event)) return; // a scanner, a form field
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    if (!state.busy && KioskAccess.onKey(event)) {
      event.preventDefault();
      return;
    }
    const key = event.key;
    const typing = ["idnumber", "checkin", "remote"].includes(state.screen);
    if (key === "Escape") {
      event.preventDefault();
      escape();
    } else if (typing && /^[0-9a-zA-Z]$/.test(key)) {
      event.preventDefault();
      dispatch({ type: "key", key, today: today() });
    } else if (typing && (key === "Backspace" || key === "Delete")) {
      event.preventDefault();
      dispatch({ type: "key", key: key === "Backspace" ? "backspace" : "clear", today: today() });
    } else if (key === "Enter") {
      // Elsewhere Enter on a focused button is that button's click. While typing it
      // always confirms: a code scanner ends with Enter, whatever button was tapped last.
      if (!typing && event.target instanceof HTMLButtonElement) return;
      event.preventDefault();
      if (PRIMARY[state.screen]) PRIMARY[state.screen]();
    } else if (/^[1-9]$/.test(key) && (state.screen === "categories" || state.screen === "services")) {
      if (!inRun) pickTile(state.screen, Number(key));
    }
  }

  // The tile shortcut waits a moment: a booking code from the scanner may start with a digit.
  let lastKeyAt = -Infinity;
  let tileTimer = null;

  function pickTile(screen, index) {
    tileTimer = setTimeout(() => {
      const button = byId(screen).querySelectorAll(".tile")[index - 1];
      if (button && state.screen === screen) button.click();
    }, TILE_KEY_MS);
  }

  function wire() {
    document.addEventListener("pointerdown", activity, true);
    document.addEventListener("keydown", onKeyDown);
    const clicks = {
      "to-checkin": () => dispatch({ type: "checkin-entry", mode: "code" }),
      "to-remote": () => dispatch({ type: "remote-entry" }),
      "remote-scan": () => dispatch({ type: "remote-mode", mode: "scan" }),
      "remote-id": () => dispatch({ type: "remote-mode", mode: "id" }),
      "remote-number": () => dispatch({ type: "remote-mode", mode: "number" }),
      "remote-go": () => dispatch({ type: "remote-go", today: today() }),
      "to-feedback": () => dispatch({ type: "feedback" }),
      take: take,
      "to-id": toId,
      "to-green": () => dispatch({ type: "green-entry" }),
      "to-guide": () => dispatch({ type: "guide-entry" }),
      "guide-take": take,
      "g-type": () => dispatch({ type: "id-entry" }),
      "m-checkin": () => dispatch({ type: "checkin-entry", mode: "code" }),
      "id-take": take,
      "mode-code": () => dispatch({ type: "checkin-mode", mode: "code" }),
      "mode-id": () => dispatch({ type: "checkin-mode", mode: "id" }),
      "checkin-go": () => dispatch({ type: "checkin", today: today() }),
      "r-done": goHome,
      "e-retry": () => dispatch({ type: "retry" }),
      "e-back": () => dispatch({ type: "back" }),
      "e-home": goHome,
      back: () => dispatch({ type: "back" }),
      home: goHome,
    };
    for (const [id, handler] of Object.entries(clicks)) byId(id).addEventListener("click", handler);
    for (const id of ["id-keypad", "checkin-keypad", "remote-keypad"]) {
      byId(id).addEventListener("click", (event) => {
        const button = event.target.closest("button[data-key]");
        if (button) dispatch({ type: "key", key: button.dataset.key, today: today() });
      });
    }
    // A QR code the server would not draw (a misconfigured public address) is
    // worse than none: hide it, the number and the paper remain.
    byId("r-qr").addEventListener("error", () => show("r-qr-box", false));
  }

  function start() {
    KioskAccess.start({ dispatch, today, screen: () => state.screen });
    wire();
    render();
    tickClock();
    setInterval(tickClock, 10000);
    setInterval(tickIdle, 250);
    setInterval(refreshConfig, CONFIG_MAX_AGE_MS / 4); // a hall opening or closing shows on its own
    boot();
  }

  start();
})();
