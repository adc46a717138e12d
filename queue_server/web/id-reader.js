/*
 * The ticket machine's readers: the ID-card reader bridge (docs/id-reader.md),
 * readers and scanners that type like a keyboard, and booking QR codes.
 *
 *   IdReader.parse(text)          a bridge message as {type: card|removed|status, …}, or null
 *   IdReader.wedge(gapMs)         a detector of fast typing: .key(key, ms) -> scanned text | null
 *   IdReader.bookingCode(text)    the booking code in what a QR scanner typed, or null
 *   IdReader.connect(url, on)     the bridge's websocket, reconnecting quietly; on.card({id_number}),
 *                                 on.status("ok" | "absent" | "connecting" | "none")
 *
 * Only the number of a card is used: the name, birth date and issuing office
 * the bridge also sends are dropped here, never shown and never sent on.
 */
(function (root) {
  "use strict";

  const RETRY_MS = [1000, 2000, 5000, 10000, 30000];
  const ID_SHAPE = /^\d{17}[\dX]$/;

  function parse(text) {
    let message;
    try {
      message = JSON.parse(text);
    } catch (err) {
      return null;
    }
    if (!message || typeof message !== "object") return null;
    if (message.type === "card" && typeof message.id_number === "string") {
      const number = message.id_number.trim().toUpperCase();
      return ID_SHAPE.test(number) ? { type: "card", id_number: number } : null;
    }
    if (message.type === "removed") return { type: "removed" };
    if (message.type === "status" && (message.reader === "ok" || message.reader === "absent")) {
      return { type: "status", reader: message.reader };
    }
    return null; // a newer bridge's message, or noise: ignored
  }

  /**
   * Keyboard-wedge readers and scanners type a whole code and Enter within a
   * few milliseconds a key; a person takes a tenth of a second or more. Keys
   * typed fast enough gather; Enter after four or more of them is a scan.
   */
  function wedge(gapMs = 60) {
    let text = "";
    let last = -Infinity;
    return {
      key(key, ms) {
        const fast = ms - last <= gapMs;
        last = ms;
        if (key === "Enter") {
          const scanned = fast && text.length >= 4 ? text : null;
          text = "";
          return scanned;
        }
        if (key.length !== 1) {
          text = "";
          return null;
        }
        text = fast ? text + key : key;
        return null;
      },
    };
  }

  /** A booking code as typed by a QR scanner: the code itself, or an address ending with it. */
  function bookingCode(text) {
    const raw = String(text || "").trim();
    const match = /(?:[?&]code=|\/)([A-Za-z0-9]{4,12})\/?$/.exec(raw) || /^([A-Za-z0-9]{4,12})$/.exec(raw);
    return match ? match[1].toUpperCase() : null;
  }

  function connect(url, on) {
    let attempt = 0;
    let socket = null;
    const open = () => {
      on.status("connecting");
      try {
        socket = new WebSocket(url);
      } catch (err) {
        on.status("none");
        return; // not a websocket address: nothing to retry
      }
      socket.onopen = () => {
        attempt = 0;
      };
      socket.onmessage = (event) => {
        const message = parse(event.data);
        if (!message) return;
        if (message.type === "card") on.card(message);
        else if (message.type === "status") on.status(message.reader);
      };
      socket.onclose = () => {
        on.status("none");
        setTimeout(open, RETRY_MS[Math.min(attempt, RETRY_MS.length - 1)]);
        attempt += 1;
      };
    };
    open();
  }

  const api = { parse, wedge, bookingCode, connect };
  root.IdReader = Object.freeze(api);
  if (typeof module === "object" && module.exports) module.exports = api;
})(typeof window !== "undefined" ? window : globalThis);
