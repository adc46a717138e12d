// The 导办 desk (/guide/{hall}): a tablet at the hall's entrance, on a staff
// session. Find an item by name or pinyin initials (the server holds the
// pinyin), read out its materials and the live estimate, and issue a ticket on
// the visitor's behalf with a pre-check note for the clerk and, where the
// member has checked it, the green channel.
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);
  const hall = document.body.dataset.hall;
  const hallPath = `/api/halls/${encodeURIComponent(hall)}`;
  const SEARCH_DELAY_MS = 150;
  const ESTIMATE_EVERY_MS = 20000;
  const NOTE_MAX = 200;
  // Groups no ID number shows: the member vouches (the ticket records who issued it).
  const GROUPS = [
    ["military", "现役军人、消防救援人员"],
    ["disability", "残疾人"],
    ["talent", "高层次人才"],
    ["other", "孕妇及其他需照顾人员"],
  ];

  let item = null; // the item shown
  let channels = []; // temporary green channels running today
  let searchTimer = null;
  let searchSeq = 0;
  let estimateTimer = null;
  let issueKey = null; // one Idempotency-Key per visitor: a retried tap issues once

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function show(state) {
    document.body.dataset.state = state;
    $("signin").hidden = state !== "signed-out";
    $("desk").hidden = state !== "ready";
  }

  function message(result) {
    return (result.data && result.data.message) || `服务器拒绝了请求（${result.status}）`;
  }

  // ------------------------------------------------------------ sign-in

  async function boot() {
    const me = await Api.call("GET", "/api/whoami");
    if (!me.ok || !me.data.staff) return signedOut(me.ok ? "此页面需要工作人员登录" : message(me));
    if (me.data.hall !== hall) return signedOut(`您登录的是大厅 ${me.data.hall}，不是本大厅`);
    $("who").textContent = `工号 ${me.data.staff.staff_no} ${me.data.staff.name}`;
    $("logout").hidden = false;
    // The channels first: an item chosen at once must already list them.
    await loadChannels();
    show("ready");
    await search();
    $("guide-search").focus();
  }

  function signedOut(text) {
    $("logout").hidden = true;
    $("signin-message").textContent = text;
    const next = `/guide/${encodeURIComponent(hall)}`;
    $("login-link").href =
      `${Api.root()}/login?hall=${encodeURIComponent(hall)}&next=${encodeURIComponent(next)}`;
    show("signed-out");
  }

  async function loadChannels() {
    const result = await Api.call("GET", `${hallPath}/green-channels`);
    channels = result.ok ? result.data.green_channels.filter((c) => c.running) : [];
  }

  // ------------------------------------------------------------ search

  function searchSoon() {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(search, SEARCH_DELAY_MS);
  }

  async function search() {
    const query = $("guide-search").value.trim();
    const mine = ++searchSeq;
    const result = await Api.call("GET", `${hallPath}/items?q=${encodeURIComponent(query)}`);
    if (mine !== searchSeq) return; // a later keystroke's answer wins
    if (!result.ok) return fail(message(result));
    $("hall-name").textContent = result.data.hall_name;
    const items = result.data.items;
    $("items-empty").hidden = items.length > 0;
    $("guide-items").replaceChildren(...items.map(itemButton));
  }

  function itemButton(found) {
    const button = el("button", "item");
    button.type = "button";
    button.dataset.code = found.code;
    button.append(el("span", "item-name", found.name), el("span", "item-category", found.category_name));
    if (!found.walk_in) button.append(el("span", "tag", "需预约"));
    button.addEventListener("click", () => choose(found));
    const li = el("li");
    li.append(button);
    return li;
  }

  // ------------------------------------------------------------ one item

  function choose(found) {
    item = found;
    issueKey = Api.newKey();
    for (const b of document.querySelectorAll("#guide-items .item")) {
      b.classList.toggle("chosen", b.dataset.code === found.code);
    }
    $("detail-hint").hidden = true;
    $("guide-result").hidden = true;
    $("detail").hidden = false;
    $("item-name").textContent = found.name;
    $("item-meta").textContent =
      `${found.category_name} · 约 ${found.minutes} 分钟办结${found.walk_in ? "" : " · 需预约办理"}`;
    $("item-materials").replaceChildren(...found.materials.map((m) => el("li", null, m)));
    $("guide-error").hidden = true;
    $("guide-issue").disabled = !found.walk_in;
    renderGroups(found);
    $("item-estimate").textContent = "正在估算等候时间…";
    estimate();
  }

  function renderGroups(found) {
    const options = [["", "不需要"]];
    for (const c of channels) {
      if (c.services.includes(found.code)) options.push([`special:${c.id}`, `专项服务：${c.group_label}`]);
    }
    options.push(...GROUPS);
    $("guide-group").replaceChildren(...options.map(([value, label]) => {
      const option = el("option", null, label);
      option.value = value;
      return option;
    }));
  }

  async function estimate() {
    clearTimeout(estimateTimer);
    if (!item) return;
    const code = item.code;
    const result = await Api.call("GET", `${hallPath}/estimate?service=${encodeURIComponent(code)}`);
    if (!item || item.code !== code) return;
    $("item-estimate").textContent = result.ok ? waitText(result.data) : message(result);
    estimateTimer = setTimeout(estimate, ESTIMATE_EVERY_MS);
  }

  function minutes(seconds) {
    return Math.max(1, Math.round(seconds / 60));
  }

  function waitText(est) {
    if (est.refusal) return `现在不能取号：${est.refusal}`;
    if (est.windows_open === 0) return `暂无开放的窗口办理此事项（前面 ${est.position} 人）`;
    if (est.estimated_wait_s === 0) return "现在取号，几乎无需等候";
    return `现在取号：前面约 ${est.position} 人，预计等候约 ${minutes(est.estimated_wait_s)} 分钟`;
  }

  // ------------------------------------------------------------ issuing

  async function issue(event) {
    event.preventDefault();
    if (!item) return;
    const body = { service: item.code };
    const note = $("guide-note").value.trim();
    if (note) body.note = note;
    const group = $("guide-group").value;
    if (group.startsWith("special:")) body.special = group.slice("special:".length);
    else if (group) body.priority = group;
    $("guide-issue").disabled = true;
    const result = await Api.call("POST", `${hallPath}/tickets`, body, { "Idempotency-Key": issueKey });
    $("guide-issue").disabled = false;
    if (!result.ok) return fail(message(result));
    issued(result.data);
  }

  function issued(ticket) {
    clearTimeout(estimateTimer);
    $("detail").hidden = true;
    $("guide-result").hidden = false;
    $("result-number").textContent = ticket.number;
    $("result-green").hidden = !ticket.green_channel;
    $("result-service").textContent = ticket.service_name;
    $("result-wait").textContent = ticket.position
      ? `前面 ${ticket.position} 人，预计等候约 ${minutes(ticket.estimated_wait_s)} 分钟`
      : "前面无人等候，请留意叫号";
    $("guide-next").focus();
  }

  function fail(text) {
    $("guide-error").textContent = text;
    $("guide-error").hidden = false;
  }

  function nextVisitor() {
    item = null;
    $("guide-result").hidden = true;
    $("detail").hidden = true;
    $("detail-hint").hidden = false;
    $("guide-note").value = "";
    countNote();
    $("guide-search").value = "";
    for (const b of document.querySelectorAll("#guide-items .item.chosen")) b.classList.remove("chosen");
    loadChannels();
    search();
    $("guide-search").focus();
  }

  async function logout() {
    await Api.call("POST", "/api/logout");
    signedOut("已退出登录");
  }

  function countNote() {
    $("note-count").textContent = `${$("guide-note").value.length}/${NOTE_MAX}`;
  }

  $("guide-search").addEventListener("input", searchSoon);
  $("guide-note").addEventListener("input", countNote);
  $("issue-form").addEventListener("submit", issue);
  $("guide-next").addEventListener("click", nextVisitor);
  $("logout").addEventListener("click", logout);
  boot();
})();
