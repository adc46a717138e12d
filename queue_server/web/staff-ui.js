/*
 * Small DOM helpers shared by the staff pages: building elements (text only,
 * never parsed as HTML: labels and names come from the server), the message
 * line, the refusal screen and the hall clock.
 */
const StaffUi = (() => {
  "use strict";

  const $ = (id) => document.getElementById(id);

  /** <tag class=…> with text, or with child nodes (falsy children are skipped). */
  function el(tag, className, content, attributes = {}) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (Array.isArray(content)) node.append(...content.filter(Boolean));
    else if (content !== undefined && content !== null) node.textContent = String(content);
    for (const [name, value] of Object.entries(attributes)) {
      if (value === true) node.setAttribute(name, "");
      else if (value !== false && value !== null && value !== undefined) node.setAttribute(name, String(value));
    }
    return node;
  }

  /** A button that runs `onPress`; touch and mouse alike (a click is both). */
  function button(className, content, onPress, attributes = {}) {
    const node = el("button", className, content, { type: "button", ...attributes });
    node.addEventListener("click", onPress);
    return node;
  }

  let messageTimer = null;

  /** One line for the outcome of the last action: kind "error" stays longer than "ok". */
  function showMessage(text, kind = "ok") {
    const box = $("message");
    box.textContent = text;
    box.className = `message ${kind}`;
    box.hidden = false;
    clearTimeout(messageTimer);
    messageTimer = setTimeout(() => { box.hidden = true; }, kind === "error" ? 12000 : 5000);
  }

  function clearMessage() {
    clearTimeout(messageTimer);
    $("message").hidden = true;
  }

  /** Cover the page with why it cannot work (a bad token, a window the hall lacks). */
  function showFatal(reason) {
    $("fatal-message").textContent = reason;
    $("fatal").hidden = false;
    document.body.dataset.fatal = "true";
  }

  function hideFatal() {
    $("fatal").hidden = true;
    delete document.body.dataset.fatal;
  }

  /** Tick #time every second in the hall's zone (`zone()` is null until the feed says). */
  function startClock(zone, nowMs) {
    const tick = () => {
      const z = zone();
      if (!z) return;
      $("time").textContent = StaffCore.hallTime(new Date(nowMs()), z, {
        hour: "2-digit",
        minute: "2-digit",
        second: "2-digit",
        hourCycle: "h23",
      });
    };
    tick();
    setInterval(tick, 1000);
  }

  /**
   * Make `container`'s children match `items`, keyed by `keyOf(item)`: a node
   * made once by `create(item)` is kept and refreshed by `update(node, item)`.
   * Redrawing in place (not replacing) keeps focus and never swallows a tap
   * that is in progress while the feed redraws the page.
   */
  function syncList(container, items, keyOf, create, update) {
    const existing = new Map([...container.children].map((n) => [n.dataset.key, n]));
    items.forEach((item, i) => {
      const key = String(keyOf(item));
      let node = existing.get(key);
      if (!node) {
        node = create(item);
        node.dataset.key = key;
      }
      update(node, item);
      if (container.children[i] !== node) container.insertBefore(node, container.children[i] || null);
    });
    while (container.children.length > items.length) container.lastElementChild.remove();
  }

  // Inputs that take typed text; a checkbox or a radio button takes no letters.
  const TEXT_TYPES = new Set([
    "text", "search", "number", "tel", "email", "password", "url", "date", "time", "datetime-local", "month", "week",
  ]);

  /**
   * Typing in a text field or using a dialog: page shortcuts must stay out of
   * the way. A focused checkbox (a material just ticked with the mouse) or
   * button is not typing: the shortcuts work whatever else has focus.
   */
  function typingOrDialog(event) {
    if (document.querySelector("dialog[open]")) return true;
    const target = event.target;
    const field = target && target.closest && target.closest("input, textarea, select, [contenteditable]");
    if (!field) return false;
    return field.tagName !== "INPUT" || TEXT_TYPES.has(field.type);
  }

  return Object.freeze({
    $, el, button, showMessage, clearMessage, showFatal, hideFatal, startClock, syncList, typingOrDialog,
  });
})();
