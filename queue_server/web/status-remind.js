/*
 * Reminders on the holder's page (/t/{id}): when the ticket is near (the
 * holder's "N ahead", the hall's default first) and when it is called, the
 * page plays a tone (Web Audio, no file), vibrates, shows a browser
 * notification (asked for on a tap) and a banner. Each once: what was alerted
 * is kept in localStorage, so neither the next poll nor a reload repeats it.
 * And text reminders (短信提醒): a phone proved by a code, or the booking's
 * phone, through /api/tickets/{id}/reminders.
 *
 * status.js calls mount(ticketId, ticketPath) once, update(view) after each
 * poll, and asks watching() whether to keep polling while the page is hidden.
 *
 * Test hooks on <body>: data-alerted (the alerts given: "ahead", "called"),
 * data-remind ("off" | "on" | "denied" | "unsupported": sound, vibration and
 * notifications), data-sms ("off" | "code" | "on").
 */
const StatusRemind = (() => {
  "use strict";

  const { byId, el, setText, show } = Dom;
  const body = document.body;
  const FALLBACK_AHEAD = 3;

  let ticketId = "";
  let path = "";
  let saved = { ahead: null, enabled: false, alerted: [] };
  let server = null; // GET …/reminders: the SMS state and the hall's default N
  let challenge = null;
  let audio = null;
  let view = null;

  // ------------------------------------------------------------------ kept on the phone

  function storageKey() {
    return `yc-remind:${ticketId}`;
  }

  function load() {
    try {
      const kept = JSON.parse(localStorage.getItem(storageKey()) || "null");
      if (kept && typeof kept === "object") saved = { ...saved, ...kept };
    } catch (err) {
      // Private mode or a full storage: alerts still come once per page load.
    }
  }

  function save() {
    try {
      localStorage.setItem(storageKey(), JSON.stringify(saved));
    } catch (err) {
      // as in load()
    }
  }

  function ahead() {
    return Number(saved.ahead) || (server && server.default_ahead) || FALLBACK_AHEAD;
  }

  // ------------------------------------------------------------------ the alerts

  /** Called after each poll: alert once when near, once per leg when called. */
  function update(current) {
    view = current;
    const open = view.status === "waiting" || view.status === "suspended" || view.status === "called";
    show("remind-box", open);
    // With no window open that takes it, nothing is near, whatever the count.
    const served = view.windows_open === undefined || Number(view.windows_open) > 0;
    if (view.status === "waiting" && served && Number(view.position) <= ahead()) {
      const left = Number(view.position);
      const said = left > 0 ? `前面还有 ${left} 人，请回到等候区留意叫号` : "下一位就是您，请留意叫号";
      alertOnce("ahead", "快到您了", `${view.number} 号：${said}`);
    }
    if (view.status === "called" && view.window != null) {
      // A transferred matter's next leg is called again: its own alert.
      const title = `请到 ${view.window} 号窗口`;
      alertOnce(`called:${view.id}`, title, `${view.number} 号，请到 ${view.window} 号窗口办理`);
    }
    if (view.status !== "waiting" && view.status !== "called") show("r-banner", false);
    if (!byId("r-banner").hidden) document.title = `【${byId("r-banner-title").textContent}】${document.title}`;
    showSms();
  }

  function alertOnce(key, title, text) {
    if (saved.alerted.includes(key)) return;
    saved.alerted = [...saved.alerted, key];
    save();
    body.dataset.alerted = saved.alerted.map((k) => k.split(":")[0]).join(" ");
    setText("r-banner-title", title);
    setText("r-banner-body", text);
    byId("r-banner").classList.toggle("called", key !== "ahead");
    show("r-banner", true);
    tone(key === "ahead" ? 2 : 3);
    if (navigator.vibrate) navigator.vibrate(key === "ahead" ? [300, 150, 300] : [600, 200, 600, 200, 600]);
    notify(title, text, key);
  }

  /** A chime of `count` notes; silent until a tap has let the page make sound. */
  function tone(count) {
    const Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) return;
    try {
      audio = audio || new Context();
      if (audio.state === "suspended") audio.resume();
      const start = audio.currentTime + 0.05;
      for (let i = 0; i < count; i += 1) {
        const osc = audio.createOscillator();
        const gain = audio.createGain();
        const at = start + i * 0.35;
        osc.type = "sine";
        osc.frequency.value = i % 2 ? 660 : 880;
        gain.gain.setValueAtTime(0.0001, at);
        gain.gain.exponentialRampToValueAtTime(0.4, at + 0.03);
        gain.gain.exponentialRampToValueAtTime(0.0001, at + 0.3);
        osc.connect(gain).connect(audio.destination);
        osc.start(at);
        osc.stop(at + 0.32);
      }
    } catch (err) {
      // No sound here: the banner and the vibration still tell.
    }
  }

  function notify(title, text, key) {
    if (!("Notification" in window) || Notification.permission !== "granted") return;
    try {
      new Notification(title, { body: text, tag: `yc-${ticketId}-${key}`, lang: "zh-CN" });
    } catch (err) {
      // Phones that show notifications only from a service worker: the banner tells.
    }
  }

  // ------------------------------------------------------------------ switching on

  /** The tap that lets the page make sound and asks for notifications. */
  async function enable() {
    saved.enabled = true;
    save();
    tone(1); // a tap unlocks the sound; the holder hears what the alert sounds like
    if (!("Notification" in window)) return describe("unsupported");
    let permission = Notification.permission;
    if (permission === "default") {
      try {
        permission = await Notification.requestPermission();
      } catch (err) {
        permission = "denied";
      }
    }
    describe(permission === "granted" ? "on" : "denied");
  }

  const STATES = {
    off: "点上面的按钮，快到号和叫到号时本页会响铃、振动并弹出通知。",
    on: "已开启：快到号和叫到号时，本页会响铃、振动并弹出通知。请保持本页打开。",
    denied:
      "浏览器未允许通知：本页打开时仍会响铃、振动并在页面顶部提示。如需通知，请在浏览器的网站设置中允许本站通知后再点一次。",
    unsupported: "此浏览器不支持通知：本页打开时仍会响铃、振动并在页面顶部提示。",
  };

  function describe(state) {
    body.dataset.remind = state;
    setText("r-state", STATES[state]);
    byId("r-enable").textContent = state === "on" ? "试听提示音" : "开启声音、振动和通知";
  }

  function initialState() {
    if (!saved.enabled) return "off";
    if (!("Notification" in window)) return "unsupported";
    return { granted: "on", denied: "denied" }[Notification.permission] || "off";
  }

  /** Keep polling in the background once the holder asked to be alerted. */
  function watching() {
    return Boolean(saved.enabled);
  }

  // ------------------------------------------------------------------ text messages

  async function fetchServer() {
    const result = await Api.call("GET", path);
    if (!result.ok) return;
    server = result.data;
    fillAhead();
    showSms();
  }

  function fillAhead() {
    const select = byId("r-ahead");
    const most = (server && server.max_ahead) || 10;
    const options = [];
    for (let n = 1; n <= most; n += 1) options.push(el("option", null, String(n)));
    select.replaceChildren(...options);
    select.value = String(Math.min(ahead(), most));
  }

  function showSms() {
    const open = server && view && (view.status === "waiting" || view.status === "suspended");
    show("r-sms", Boolean(server && (server.on || open)));
    if (!server) return;
    body.dataset.sms = server.on ? "on" : challenge ? "code" : "off";
    show("r-sms-on", server.on);
    show("r-sms-form", !server.on && Boolean(open));
    if (server.on) {
      setText("r-sms-said", `短信提醒已开启：前面还剩 ${server.ahead} 人时和叫到号时，各发一条短信到 ${server.phone_masked}。`);
    }
    show("r-sms-booked", Boolean(server.booked_phone));
    setText("r-sms-booked", server.booked_phone ? `发送到预约时的手机 ${server.booked_phone}（无需验证码）` : "");
    show("r-code-row", Boolean(challenge));
    setText("r-send", challenge ? "重新获取验证码" : "获取验证码");
  }

  function smsMessage(text, good) {
    setText("r-sms-message", text);
    byId("r-sms-message").classList.toggle("bad", !good);
  }

  async function request(method, suffix, payload) {
    const result = await Api.call(method, path + suffix, payload);
    if (!result.ok) {
      const data = result.data || {};
      smsMessage(result.status === 0 ? "网络连接失败，请稍后重试" : data.message || "未能完成，请稍后重试", false);
    }
    return result;
  }

  async function sendCode() {
    const phone = byId("r-phone").value.trim();
    if (!phone) return smsMessage("请填写手机号码", false);
    byId("r-send").disabled = true;
    const result = await request("POST", "", { phone, ahead: ahead() });
    byId("r-send").disabled = false;
    if (!result.ok) return;
    challenge = result.data.challenge;
    smsMessage(result.data.message, true);
    showSms();
    byId("r-code").focus();
  }

  async function confirmCode() {
    const code = byId("r-code").value.trim();
    if (!code) return smsMessage("请填写短信中的 6 位验证码", false);
    byId("r-confirm").disabled = true;
    const result = await request("POST", "/confirm", { challenge, code });
    byId("r-confirm").disabled = false;
    if (result.ok) switchedOn(result.data);
  }

  async function useBooked() {
    const result = await request("POST", "", { ahead: ahead() });
    if (result.ok) switchedOn(result.data);
  }

  function switchedOn(data) {
    server = data;
    challenge = null;
    byId("r-code").value = "";
    smsMessage("短信提醒已开启", true);
    showSms();
  }

  async function switchOff() {
    const result = await request("DELETE", "");
    if (!result.ok) return;
    server = result.data;
    smsMessage("短信提醒已关闭", true);
    showSms();
  }

  // ------------------------------------------------------------------ start

  function onAhead() {
    saved.ahead = Number(byId("r-ahead").value);
    save();
    if (view) update(view);
  }

  function mount(id, ticketPath) {
    ticketId = id;
    path = `${ticketPath}/reminders`;
    load();
    body.dataset.alerted = saved.alerted.map((k) => k.split(":")[0]).join(" ");
    describe(initialState());
    fillAhead();
    byId("r-ahead").addEventListener("change", onAhead);
    byId("r-enable").addEventListener("click", enable);
    byId("r-banner-ok").addEventListener("click", () => show("r-banner", false));
    byId("r-send").addEventListener("click", sendCode);
    byId("r-confirm").addEventListener("click", confirmCode);
    byId("r-sms-booked").addEventListener("click", useBooked);
    byId("r-sms-off").addEventListener("click", switchOff);
    fetchServer();
  }

  return { mount, update, watching };
})();
