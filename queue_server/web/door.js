/*
 * The door sign (/door/{hall}?token=… or a supervisor's session): today's door
 * QR (GET /api/halls/{hall}/door), to print each morning or show on a screen
 * at the door. The QR holds the day's code: yesterday's sign checks nobody in.
 */
(function () {
  "use strict";

  const body = document.body;

  async function load() {
    const result = await Api.call("GET", `/api/halls/${encodeURIComponent(body.dataset.hall)}/door`);
    if (!result.ok) {
      const error = document.getElementById("door-error");
      error.textContent = result.data.message;
      error.hidden = false;
      body.dataset.state = "error";
      return;
    }
    document.getElementById("door-hall").textContent = `${result.data.hall_name} · 到场签到`;
    // Our own server's SVG (qrcode): parsed as an image document, never as HTML.
    const svg = new DOMParser().parseFromString(result.data.qr_svg, "image/svg+xml").documentElement;
    document.getElementById("door-qr").replaceChildren(document.importNode(svg, true));
    document.getElementById("door-date").textContent = `仅限 ${result.data.date} 当日有效`;
    body.dataset.state = "ready";
  }

  load();
})();
