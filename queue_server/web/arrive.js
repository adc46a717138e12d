/*
 * What the hall's door QR opens (/arrive/{hall}?k=…): checks in the remote
 * places this phone took (their ids kept by remote-store.js) with the door's
 * code of the day, then links to each ticket's page.
 *
 * Test hook on <body>: data-state (loading | done | none).
 */
(function () {
  "use strict";

  const { byId, el, setText } = Dom;
  const body = document.body;
  const door = new URLSearchParams(window.location.search).get("k") || "";

  async function arrive() {
    const ids = RemoteStore.list();
    const rows = [];
    let arrived = 0;
    for (const id of ids) {
      const result = await Api.call("POST", `/api/tickets/${encodeURIComponent(id)}/check-in`, { door });
      // Another hall's place (not this door's code), or one already served: not listed.
      if (result.ok && !["waiting", "called", "serving"].includes(result.data.status)) continue;
      if (!result.ok && result.data.error !== "remote_ended") continue;
      const link = el("a", null, result.ok ? `${result.data.number} 号：已签到，请留意叫号` : result.data.message);
      link.href = `${body.dataset.base || ""}/t/${encodeURIComponent(id)}`;
      rows.push(el("li", result.ok ? "rq-done" : "rq-error", [link]));
      arrived += result.ok ? 1 : 0;
    }
    byId("arrive-list").replaceChildren(...rows);
    body.dataset.state = rows.length ? "done" : "none";
    setText(
      "arrive-text",
      rows.length
        ? arrived ? "签到成功：号码将按取号时间排队叫号" : "没有可签到的号码"
        : "本手机没有在本大厅线上取号的记录；如用其他手机取号，请在取号机扫描号码二维码或输入证件号码签到",
    );
  }

  arrive();
})();
