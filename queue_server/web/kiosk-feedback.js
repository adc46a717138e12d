/*
 * The ticket machine's 「评价 / 办不成事」 screen (kiosk.js shows it as the
 * flow's "feedback" screen and starts over from it after idle time).
 *
 * The visitor holds their ticket's QR code to the scanner, which types the
 * status address (…/t/{id}) or the bare id, then Enter; the screen shows that
 * ticket's rating (rating-form.js, sent with the kiosk's token: source
 * "kiosk"), or the rating given and whether it may still change. 「办不成事」
 * (case-form.js) needs no ticket; the item may be picked from the kiosk's list.
 *
 *   KioskFeedback.enter({root, hall, services(), home(), activity(), homeIn(seconds)})
 *   KioskFeedback.leave()          // back home: nothing of this visitor stays
 *   KioskFeedback.onKey(event)     // true when the key was this screen's
 *
 * Test hook: root's data-step (scan | ticket | case | thanks).
 */
const KioskFeedback = (() => {
  "use strict";

  const { el, button } = RatingForm;
  const SCAN_MAX = 300;
  const THANKS_S = 8; // the thanks stays this long, then the kiosk starts over

  let ctx = null;
  let buffer = "";

  /** The ticket id in what the scanner typed (its status address or the bare id), or null. */
  function ticketOf(text) {
    return YiChuangKioskRemote.ticketOf(text, true);
  }

  function draw(step, ...children) {
    ctx.root.dataset.step = step;
    ctx.root.replaceChildren(...children.filter(Boolean));
  }

  function bigButton(main, sub, onClick, action) {
    const parts = [el("span", "k-btn-main", main), sub ? el("span", "k-btn-sub", sub) : null];
    return button("k-btn secondary k-wide", parts, onClick, { "data-action": action });
  }

  /** A QR code drawn in SVG: three finder squares and a few modules. */
  function qrIcon() {
    const ns = "http://www.w3.org/2000/svg";
    const icon = document.createElementNS(ns, "svg");
    icon.setAttribute("viewBox", "0 0 29 29");
    icon.setAttribute("class", "fb-scan-icon");
    icon.setAttribute("aria-hidden", "true");
    const squares = [[0, 0, 7], [22, 0, 7], [0, 22, 7], [2, 2, 3], [24, 2, 3], [2, 24, 3]];
    const modules = [[10, 1], [13, 3], [10, 6], [16, 9], [1, 10], [5, 12], [9, 10], [12, 13], [15, 15],
      [19, 11], [24, 10], [27, 13], [22, 16], [10, 19], [13, 23], [11, 26], [17, 20], [20, 24], [24, 19], [26, 26]];
    for (const [x, y, size] of [...squares, ...modules.map(([x, y]) => [x, y, 2])]) {
      const rect = document.createElementNS(ns, "rect");
      const ring = size === 7;
      for (const [k, v] of Object.entries({ x: x + (ring ? 0.5 : 0), y: y + (ring ? 0.5 : 0), width: ring ? 6 : size, height: ring ? 6 : size })) {
        rect.setAttribute(k, String(v));
      }
      rect.setAttribute("class", ring ? "fb-qr-ring" : "fb-qr-dot");
      icon.append(rect);
    }
    return icon;
  }

  function scan(message) {
    buffer = "";
    draw(
      "scan",
      el("h1", "k-title", "评价 / 办不成事"),
      el("div", "fb-scan", [
        qrIcon(),
        el("p", "fb-scan-lead", "请将号票上的二维码对准扫码口"),
        el("p", "k-lead", "扫码后即可对本次服务进行评价"),
      ]),
      message ? el("p", "fb-error", message, { role: "alert" }) : null,
      el("div", "fb-or", [
        el("p", "k-lead", "没有号票，或者事情没办成？"),
        bigButton("办不成事？告诉我们", "不扫码也可以反映", () => report(null), "to-case"),
      ]),
    );
  }

  async function rate(id) {
    const title = el("h1", "k-title", "服务评价");
    const box = el("div", "fb-box");
    draw("ticket", title, box, bigButton("办不成事？告诉我们", "这张号票的事情没办成", () => report(id), "to-case"));
    const opened = await RatingForm.open(box, {
      ticketId: id,
      layout: "kiosk",
      keypad: true, // no keyboard on a kiosk
      onDone: thanks,
      onActivity: ctx.activity,
    });
    if (opened && opened.info && opened.info.number) title.textContent = `${opened.info.number} 号 · 服务评价`;
  }

  function report(id) {
    const box = el("div", "fb-box");
    draw("case", box);
    CaseForm.mount(box, {
      hall: ctx.hall,
      ticketId: id,
      services: ctx.services(),
      layout: "kiosk",
      keypad: true,
      onDone: (result) => finish("已收到您的反映", CaseForm.doneText(result)),
      onCancel: () => (id ? rate(id) : scan("")),
      onActivity: ctx.activity,
    });
  }

  function thanks(result) {
    const bad = result.score <= 2;
    const note = bad ? "我们会尽快核实整改" + (result.callback ? "，并按您留下的电话回访" : "") : "祝您生活愉快";
    finish(result.changed ? "评价已修改" : "感谢您的评价！", `您的评价：${result.name}。${note}`);
    return true; // the kiosk thanks, then starts over
  }

  function finish(title, note) {
    draw("thanks", el("div", "k-center fb-thanks", [
      el("p", "fb-thanks-title", title),
      el("p", "k-lead", note),
      button("k-btn primary", "完成", () => ctx.home(), { "data-action": "finish" }),
    ]));
    ctx.homeIn(THANKS_S); // the kiosk's own countdown says it and does it
  }

  function enter(context) {
    ctx = context;
    scan("");
  }

  function leave() {
    buffer = "";
    if (ctx) {
      ctx.root.replaceChildren();
      ctx.root.dataset.step = "";
    }
  }

  /**
   * A scanner types like a keyboard: every key outside a text field goes to
   * the scan buffer, Enter ends it (on any step: the next visitor may scan
   * while the last one's screen still shows). Keys in a field are the field's.
   */
  function onKey(event) {
    const target = event.target;
    const field = target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement
      || target instanceof HTMLSelectElement;
    if (field) return event.key !== "Escape";
    if (event.key === "Enter" && buffer) {
      event.preventDefault();
      const id = ticketOf(buffer);
      const partial = buffer;
      buffer = "";
      if (id) rate(id);
      else if (ctx.root.dataset.step === "scan" || partial.length >= 8) scan("未能识别该二维码，请扫描本大厅号票上的二维码");
      return true;
    }
    if (event.key.length === 1 && !event.altKey && !event.ctrlKey && !event.metaKey) {
      event.preventDefault();
      buffer = (buffer + event.key).slice(-SCAN_MAX);
      return true;
    }
    return false;
  }

  return Object.freeze({ enter, leave, onKey, ticketOf, qrIcon });
})();
