/*
 * The clerk console tells the evaluator screen which ticket was just finished.
 *
 * The feed never carries a ticket's id (it is the holder's key), and the
 * rating needs it; the clerk console learns it from its finish answer. Both
 * screens run in one browser on the clerk's PC, so the id goes across inside
 * that browser: a BroadcastChannel message, and the same record in
 * localStorage, whose `storage` event reaches the other page where
 * BroadcastChannel is missing, and which an evaluator that (re)loads a moment
 * later still finds. Records expire after MAX_AGE_MS and are removed once
 * rated, so no id lingers on the machine.
 *
 *   RateHandoff.publish(hall, n, {id, number, service_name})  // clerk console, after finish
 *   RateHandoff.subscribe(hall, n, (record) => …) // evaluator: {id, number, service_name, at}
 *   RateHandoff.latest(hall, n, nowMs)            // the fresh record, or null
 *   RateHandoff.forget(hall, n, id)               // rated: drop it
 */
const RateHandoff = (() => {
  "use strict";

  const MAX_AGE_MS = 5 * 60 * 1000;

  function keyOf(hall, n) {
    return `yichuang.finished.${hall}.${n}`;
  }

  function channel(hall, n) {
    return typeof BroadcastChannel === "function" ? new BroadcastChannel(keyOf(hall, n)) : null;
  }

  /** A record as stored, or null when it is missing, malformed or stale. */
  function parse(text, nowMs) {
    try {
      const record = JSON.parse(text);
      if (!record || typeof record.id !== "string" || typeof record.number !== "string") return null;
      return nowMs - record.at <= MAX_AGE_MS ? record : null;
    } catch (err) {
      return null;
    }
  }

  function publish(hall, n, ticket) {
    const { id, number, service_name: serviceName } = ticket;
    const record = { id, number, service_name: serviceName || "", at: Date.now() };
    try {
      localStorage.setItem(keyOf(hall, n), JSON.stringify(record));
    } catch (err) {
      // storage full or disabled: the channel below still reaches an open evaluator
    }
    const bc = channel(hall, n);
    if (bc) {
      bc.postMessage(record);
      bc.close();
    }
  }

  function subscribe(hall, n, onRecord) {
    const key = keyOf(hall, n);
    const bc = channel(hall, n);
    if (bc) {
      bc.onmessage = (e) => {
        const record = parse(JSON.stringify(e.data), Date.now());
        if (record) onRecord(record);
      };
    }
    // Both routes may deliver the same record: the evaluator ignores an id it has seen.
    addEventListener("storage", (e) => {
      if (e.key !== key || !e.newValue) return;
      const record = parse(e.newValue, Date.now());
      if (record) onRecord(record);
    });
  }

  function latest(hall, n, nowMs) {
    try {
      const text = localStorage.getItem(keyOf(hall, n));
      return text ? parse(text, nowMs) : null;
    } catch (err) {
      return null;
    }
  }

  function forget(hall, n, id) {
    try {
      const current = latest(hall, n, Date.now());
      if (!current || current.id === id) localStorage.removeItem(keyOf(hall, n));
    } catch (err) {
      // nothing stored, nothing to forget
    }
  }

  return Object.freeze({ publish, subscribe, latest, forget, parse, MAX_AGE_MS });
})();
