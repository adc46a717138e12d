/*
 * A device page's heartbeat (kiosk, lobby and window screens, evaluator): every
 * 20 s, `POST /api/halls/{hall}/devices/heartbeat` with the page's token, so
 * the director's console shows when each device was last heard. A refusal
 * (the token revoked or expired) is the page's to show: a revoked screen says
 * so within one beat, even while its feed connection stays open.
 *
 *   DeviceBeat.start({hall, onRefused(message)})
 *
 * `?beat_s=` shortens the period for tests and diagnosis. A page opened without
 * ?token= (a staff session) sends nothing: it is a person's page, not a device.
 */
const DeviceBeat = (() => {
  "use strict";

  const EVERY_S = 20;
  const REFUSED = new Set([401, 403]);

  function start({ hall, onRefused }) {
    const params = new URLSearchParams(location.search);
    const token = params.get("token") || "";
    if (!token) return;
    const everyMs = Math.max(1, Number(params.get("beat_s")) || EVERY_S) * 1000;
    const url = `${document.body.dataset.base || ""}/api/halls/${encodeURIComponent(hall)}/devices/heartbeat`;

    async function beat() {
      let response = null;
      try {
        response = await fetch(url, {
          method: "POST",
          headers: { Authorization: `Bearer ${token}`, "Accept-Language": "zh-CN" },
          cache: "no-store",
        });
      } catch (error) {
        // Offline: the page's own connection banner says so; keep beating.
      }
      if (response && REFUSED.has(response.status)) {
        const data = await response.json().catch(() => null);
        // The feed may have refused the token first, in the page's own words: keep them.
        if (document.body.dataset.state !== "error") {
          onRefused((data && data.message) || "设备令牌无效或已被吊销，请联系管理员");
        }
        return; // a revoked or expired token does not come back
      }
      setTimeout(beat, everyMs);
    }
    beat();
  }

  return Object.freeze({ start });
})();
