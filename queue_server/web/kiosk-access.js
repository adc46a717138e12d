/*
 * The ticket machine for everyone (适老化): large type one tap away, spoken
 * guidance with a mute switch, and the ID readers (id-reader.js: the bridge
 * on this machine, readers and scanners that type like a keyboard).
 *
 *   KioskAccess.start({dispatch, today, screen})  wires the header's 大字 and 语音 buttons and the readers
 *   KioskAccess.speak(text)    the step's prompt, replacing whatever was being said
 *   KioskAccess.reset()        the next visitor: normal type, the voice as configured
 *   KioskAccess.onKey(event)   true when a reader or scanner typed it (the page does nothing more)
 *
 * `?reader=ws://…` names the bridge (default ws://127.0.0.1:47800/, `off`:
 * none); `?voice=off` starts muted. Test hooks on <body>: data-large,
 * data-voice (on | off | unsupported), data-reader (none | connecting | ok |
 * absent) and data-said (the last prompt, whether or not a voice speaks it).
 */
const KioskAccess = (() => {
  "use strict";

  const DEFAULT_BRIDGE = "ws://127.0.0.1:47800/";
  const body = document.body;
  const params = new URLSearchParams(window.location.search);
  const voiceByDefault = params.get("voice") !== "off";
  const voice = Speech.create({ backlog: 2, rate: 0.85 });
  const scans = IdReader.wedge();
  let hooks = null;

  function start(given) {
    hooks = given;
    document.getElementById("large").addEventListener("click", () => setLarge(body.dataset.large !== "true"));
    document.getElementById("voice").addEventListener("click", () => setVoice(!voice.enabled));
    reset();
    const bridge = params.get("reader") || DEFAULT_BRIDGE;
    if (bridge !== "off") {
      IdReader.connect(bridge, {
        card: (card) => hooks.dispatch({ type: "card", number: card.id_number, today: hooks.today() }),
        status: (reader) => {
          body.dataset.reader = reader;
        },
      });
    }
  }

  function setLarge(on) {
    body.dataset.large = String(on);
    // Every size on the page is in rem: one root size scales them all.
    document.documentElement.classList.toggle("large", on);
    document.getElementById("large").setAttribute("aria-pressed", String(on));
  }

  function setVoice(on) {
    voice.enabled = on && voice.supported;
    body.dataset.voice = voice.supported ? (on ? "on" : "off") : "unsupported";
    document.getElementById("voice").setAttribute("aria-pressed", String(on));
    document.getElementById("voice-label").textContent = on ? "语音 开" : "语音 关";
    if (!on && voice.supported) window.speechSynthesis.cancel();
  }

  function reset() {
    setLarge(false);
    setVoice(voiceByDefault);
  }

  function speak(text) {
    if (!text) return;
    body.dataset.said = text;
    if (voice.enabled) voice.instead(text);
  }

  // An ID number as a reader types it; a ticket's status address (…/t/{id}) on
  // the start screen or 预约签到, or any ticket id on 线上取号签到, is a remote place's QR;
  // anything else of 4 to 12 letters and digits on the start screen is a
  // booking code from the QR scanner.
  const ID_TYPED = /^\d{17}[\dXx]$/;
  const Remote = window.YiChuangKioskRemote;
  const SCAN_TICKET = new Set(["categories", "remote", "checkin"]);

  function onKey(event) {
    const scanned = scans.key(event.key, event.timeStamp || performance.now());
    if (!scanned) return false;
    const screen = hooks.screen();
    // A remote place's QR held to the scanner on 预约签到 by mistake goes where it belongs.
    const remote = SCAN_TICKET.has(screen) && !ID_TYPED.test(scanned);
    const ticket = remote ? Remote.ticketOf(scanned, screen === "remote") : null;
    if (ticket) {
      hooks.dispatch({ type: "scan-ticket", ticket });
      return true;
    }
    if (screen === "checkin" || screen === "feedback") return false; // typed into their own fields
    if (ID_TYPED.test(scanned)) {
      hooks.dispatch({ type: "card", number: scanned.toUpperCase(), today: hooks.today() });
      return screen !== "idnumber"; // there Enter also confirms, as after typing by hand
    }
    const code = screen === "categories" ? IdReader.bookingCode(scanned) : null;
    if (!code) return false;
    hooks.dispatch({ type: "scan-code", code });
    return true;
  }

  return Object.freeze({ start, speak, reset, onKey });
})();
