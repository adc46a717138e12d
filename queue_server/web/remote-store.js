/*
 * 线上取号: the remote places this phone took, kept in the browser (ids only,
 * the holder's keys to their tickets) so that the door QR's page
 * (/arrive/{hall}) can check them in. Shared by remote.js, status-arrival.js
 * and arrive.js.
 */
"use strict";

const RemoteStore = (() => {
  const KEY = "yc.remote-tickets";
  const KEEP = 5;

  function list() {
    try {
      const found = JSON.parse(localStorage.getItem(KEY) || "[]");
      return Array.isArray(found) ? found.filter((id) => typeof id === "string") : [];
    } catch (err) {
      return [];
    }
  }

  function remember(id) {
    const ids = [id, ...list().filter((known) => known !== id)].slice(0, KEEP);
    try {
      localStorage.setItem(KEY, JSON.stringify(ids));
    } catch (err) {
      // Private browsing may refuse storage: the kiosk still checks the holder in.
    }
  }

  return { list, remember };
})();
