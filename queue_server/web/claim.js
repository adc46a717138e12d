/*
 * The page a one-time device link opens (/device/claim/{code}). Opening it
 * changes nothing (a chat app's link preview must not use it up): the button
 * claims the credential, and the answer, shown this once, holds the device's
 * token and its page. The token is kept in this browser's localStorage
 * (`yichuang.device.<hall>`: where this device's page and token are, for
 * whoever sets the device up again) and the device moves to its page.
 */
(function () {
  "use strict";

  const body = document.body;
  const $ = (id) => document.getElementById(id);
  const code = decodeURIComponent(location.pathname.split("/").pop() || "");

  function say(id, text) {
    $(id).textContent = text;
    $(id).hidden = false;
  }

  async function claim() {
    $("claim").disabled = true;
    body.dataset.state = "claiming";
    const result = await Api.call("POST", `/api/devices/claim/${encodeURIComponent(code)}`);
    if (!result.ok) {
      body.dataset.state = "refused";
      $("claim").hidden = true;
      say("error", (result.data && result.data.message) || "无法启用此设备");
      return;
    }
    const device = result.data;
    try {
      const kept = { id: device.id, role: device.role, page: device.page, token: device.token };
      localStorage.setItem(`yichuang.device.${device.hall}`, JSON.stringify(kept));
    } catch (error) {
      // Private mode or storage full: the page address below still carries the token.
    }
    body.dataset.state = "claimed";
    say("status", `已启用「${device.label}」，正在打开设备页面…`);
    location.replace(`${Api.root()}${device.page}?token=${encodeURIComponent(device.token)}`);
  }

  $("claim").addEventListener("click", claim);
})();
