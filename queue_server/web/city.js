/*
 * The city view (/admin): every hall of the server with its live waiting
 * count, open windows, longest wait and open alerts, from GET /api/city every
 * few seconds. For the city's admin: a city_admin's session, or the server's
 * admin token in ?token=;
 * each hall links to its own console (/admin/{hall}).
 */
(function () {
  "use strict";

  const REFRESH_MS = 5000;
  const LONG_WAIT_S = 30 * 60; // a wait past half an hour is marked
  const $ = (id) => document.getElementById(id);

  function minutes(seconds) {
    if (seconds < 60) return seconds > 0 ? "不到 1 分钟" : "—";
    return `${Math.floor(seconds / 60)} 分钟`;
  }

  function cell(text, className) {
    const td = document.createElement("td");
    td.textContent = text;
    if (className) td.className = className;
    return td;
  }

  function row(hall) {
    const tr = document.createElement("tr");
    tr.dataset.hall = hall.id;
    const link = document.createElement("a");
    link.href = `${Api.root()}/admin/${encodeURIComponent(hall.id)}${location.search}`;
    link.textContent = "进入大厅管理";
    const name = cell(`${hall.name}（${hall.id}）`);
    const windows = hall.paused_windows ? `${hall.open_windows} / ${hall.windows}（暂停 ${hall.paused_windows}）` : `${hall.open_windows} / ${hall.windows}`;
    const go = document.createElement("td");
    go.append(link);
    tr.append(
      name,
      cell(String(hall.waiting), "num waiting"),
      cell(windows, "num"),
      cell(minutes(hall.longest_wait_s), hall.longest_wait_s >= LONG_WAIT_S ? "num long" : "num"),
      cell(String(hall.open_alerts), hall.open_alerts ? "num alert" : "num"),
      go,
    );
    return tr;
  }

  async function refresh() {
    const answer = await Api.call("GET", "/api/city");
    if (!answer.ok) {
      document.body.dataset.state = answer.status === 0 ? "offline" : "refused";
      $("fatal").textContent = answer.data.message;
      $("fatal").hidden = false;
      if (answer.status !== 0 && answer.status !== 429) return; // a refusal stays one
    } else {
      const halls = answer.data.halls;
      $("fatal").hidden = true;
      document.body.dataset.state = "ready";
      $("halls").tBodies[0].replaceChildren(...halls.map(row));
      const waiting = halls.reduce((sum, h) => sum + h.waiting, 0);
      const alerts = halls.reduce((sum, h) => sum + h.open_alerts, 0);
      $("totals").textContent = `共 ${halls.length} 个大厅，等候 ${waiting} 人，未处理预警 ${alerts} 条`;
      // The city's halls share a zone (the first hall's says which); the PC's may differ.
      const timeZone = halls.length ? halls[0].timezone : undefined;
      const at = new Date(answer.data.at).toLocaleTimeString("zh-CN", { hour12: false, timeZone });
      $("updated").textContent = `更新于 ${at}`;
    }
    setTimeout(refresh, REFRESH_MS);
  }

  document.addEventListener("DOMContentLoaded", refresh);
})();
