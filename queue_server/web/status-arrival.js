/*
 * 线上取号 on the holder's page (/t/{id}): a place taken from a phone is called
 * only once its holder has arrived. Until then the page says so, shows the
 * ticket's QR for the ticket machine's scanner, and, once the place was
 * passed over, until when it is kept. status.js calls StatusArrival.render
 * with each view; the ids of remote places are kept for the door QR's page.
 */
"use strict";

const StatusArrival = (() => {
  const { el } = Dom;

  function box() {
    let node = document.getElementById("s-arrival");
    if (!node) {
      node = el("div", "s-arrival", [
        el("p", "s-warn s-arrival-late"),
        el("p", "s-warn s-arrival-text", "尚未签到：到达大厅后请扫描门口二维码或在取号机签到"),
        el("img", "s-arrival-qr"),
        el("p", "s-note s-arrival-qr-note", "在取号机签到：请将此二维码对准取号机的扫码口"),
      ]);
      node.id = "s-arrival";
      node.setAttribute("role", "status");
      const queue = document.getElementById("s-queue");
      queue.parentNode.insertBefore(node, queue);
    }
    return node;
  }

  /** "09:46" from the hall-time ISO string the server sends. */
  function clock(iso) {
    return iso ? iso.slice(11, 16) : "";
  }

  function render(view) {
    const away = Boolean(view.remote) && !view.checked_in && view.status === "waiting";
    if (view.remote) RemoteStore.remember(view.id);
    const node = box();
    node.hidden = !away;
    document.body.dataset.arrival = view.remote ? (view.checked_in ? "checked-in" : "away") : "";
    if (!away) return;
    const late = node.querySelector(".s-arrival-late");
    late.hidden = !view.kept_until;
    late.textContent = `已过号，保留至 ${clock(view.kept_until)}：请尽快到场签到，逾时号码作废`;
    const qr = node.querySelector(".s-arrival-qr");
    const wanted = `${document.body.dataset.base || ""}/qr.svg?data=${encodeURIComponent(`/t/${view.id}`)}`;
    if (qr.getAttribute("src") !== wanted) {
      qr.src = wanted;
      qr.alt = `号码 ${view.number} 的签到二维码`;
    }
  }

  return { render };
})();
