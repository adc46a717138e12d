/*
 * The supervisor console's 好差评工单 (差评 and 「办不成事」 cases).
 *
 * In the top bar, always in sight: how many cases are running, how many are
 * overdue (red) or near their due date (amber). It opens a dialog with the
 * list (GET /api/halls/{hall}/cases?status=…, the most pressing first, each
 * with its working days left) and one case's whole record
 * (GET …/cases/{id}), where the supervisor takes the next step: 核实, 整改,
 * 回访, 办结 or 认定不实 (POST …/cases/{id}/{action}), or hands it to another
 * supervisor (…/assign). 「代为反映办不成事」 opens a case on a visitor's word
 * (POST …/cases). Reloaded every 30 s and when a ticket is rated (the hall
 * feed's ticket.rated, passed on by supervisor.js as a `hall-feed` event).
 */
(function () {
  "use strict";

  const { $, el, button } = StaffUi;
  const hall = document.body.dataset.hall;
  const hallPath = `/api/halls/${encodeURIComponent(hall)}`;
  const casesPath = `${hallPath}/cases`;
  const EVERY_MS = 30000;
  const STATUS_FILTERS = [
    ["running", "进行中"],
    ["open", "待核实"],
    ["verified", "已核实，待整改"],
    ["rectified", "已整改，待回访"],
    ["called_back", "已回访，待办结"],
    ["closed", "已办结"],
    ["dismissed", "不实"],
    ["withdrawn", "已撤回"],
    ["all", "全部"],
  ];
  const ACTION_ZH = { verify: "核实", rectify: "整改", callback: "回访", close: "办结", dismiss: "认定不实" };
  const GRADES = { 5: "非常满意", 4: "满意", 3: "基本满意", 2: "不满意", 1: "非常不满意" };

  const state = { filter: "running", listed: null, running: null, chosen: null, record: null, action: null, busy: false };

  // A stylesheet of its own, beside the script (same version).
  const own = document.currentScript ? new URL(document.currentScript.src) : null;
  const sheet = el("link", null, null, {
    rel: "stylesheet",
    href: `${document.body.dataset.base || ""}/static/supervisor-cases.css${own ? own.search : ""}`,
  });
  document.head.append(sheet);

  // ------------------------------------------------------------ the top bar

  const count = el("b", "cases-count", "0", { id: "cases-count" });
  const late = el("span", "cases-late", "", { id: "cases-late" });
  const opener = button("export cases-open", [el("span", null, "好差评工单 "), count, late], () => show(), {
    id: "cases-open",
    "aria-haspopup": "dialog",
  });
  const top = document.querySelector(".top");
  top.insertBefore(opener, $("record-open"));

  // ------------------------------------------------------------ the dialog

  const filter = el("select", "cases-filter", STATUS_FILTERS.map(([v, t]) => el("option", null, t, { value: v })), {
    id: "cases-filter",
    "aria-label": "按状态筛选",
  });
  filter.addEventListener("change", () => {
    state.filter = filter.value;
    load();
  });
  const list = el("ol", "case-list", null, { id: "case-list", "aria-label": "工单列表" });
  const summary = el("p", "case-summary", "", { id: "case-summary" });
  const detail = el("div", "case-detail", null, { id: "case-detail" });
  // The outcome of the last action, inside the dialog (the page's message line is under its backdrop).
  const note = el("p", "cases-note", "", { id: "cases-note", role: "status", "aria-live": "polite" });
  const dialog = el("dialog", "picker cases", [
    el("div", "cases-head", [
      el("h2", "picker-title", "好差评工单"),
      summary,
      filter,
      button("cases-report", "代为反映「办不成事」", () => reportForm(), { id: "cases-report" }),
      button("picker-cancel", "关闭（Esc）", () => dialog.close()),
    ]),
    note,
    el("div", "cases-body", [el("div", "case-column", [list]), detail]),
  ], { id: "cases", "aria-label": "好差评工单" });
  document.body.append(dialog);

  function say(text, kind = "ok") {
    if (!dialog.open) return StaffUi.showMessage(text, kind);
    note.textContent = text;
    note.className = `cases-note ${kind}`;
  }

  function show() {
    note.textContent = "";
    dialog.showModal();
    load();
  }

  // ------------------------------------------------------------ loading

  async function load() {
    const [running, listed] = await Promise.all([
      Api.call("GET", `${casesPath}?status=running`),
      state.filter === "running" ? null : Api.call("GET", `${casesPath}?status=${state.filter}`),
    ]);
    if (!running.ok) {
      summary.textContent = StaffCore.describeError(running, "读取工单");
      return;
    }
    state.running = running.data;
    state.listed = listed ? (listed.ok ? listed.data : null) : running.data;
    drawBadge();
    if (dialog.open) {
      drawList();
      if (state.chosen && !state.busy) refreshCase(state.chosen);
    }
  }

  /** Redraw the open case only when it moved on elsewhere: a form being filled stays. */
  async function refreshCase(id) {
    const answer = await Api.call("GET", `${casesPath}/${encodeURIComponent(id)}`);
    const was = state.record;
    if (!answer.ok || state.chosen !== id || !was) return;
    const now = answer.data;
    if (now.status === was.status && now.steps.length === was.steps.length && now.days_left === was.days_left) return;
    state.record = now;
    drawCase();
  }

  function drawBadge() {
    const data = state.running;
    count.textContent = String(data.cases.length);
    opener.classList.toggle("has-overdue", data.overdue > 0);
    opener.classList.toggle("has-near", data.overdue === 0 && data.near_due > 0);
    const words = [];
    if (data.overdue) words.push(`超期 ${data.overdue}`);
    if (data.near_due) words.push(`临期 ${data.near_due}`);
    late.textContent = words.length ? ` · ${words.join(" · ")}` : "";
    opener.title = `进行中 ${data.cases.length} 件${words.length ? `，${words.join("，")}` : ""}`;
  }

  /** "超期 2 个工作日" / "今天到期" / "剩 5 个工作日" / the status of an ended case. */
  function deadline(c) {
    if (c.ended) return c.status_name;
    if (c.overdue) return `超期 ${Math.max(1, -c.days_left)} 个工作日`;
    if (c.days_left === 0) return "今天到期";
    return `剩 ${c.days_left} 个工作日`;
  }

  function urgencyClass(c) {
    if (c.ended) return "ended";
    if (c.overdue) return "overdue";
    return c.near_due ? "near-due" : "";
  }

  function drawList() {
    const data = state.listed;
    if (!data) return;
    const running = state.running;
    summary.textContent = `进行中 ${running.cases.length} 件 · 超期 ${running.overdue} 件 · 临期 ${running.near_due} 件`;
    const items = data.cases.map((c) =>
      el("li", `case-item ${urgencyClass(c)}${c.id === state.chosen ? " chosen" : ""}`, [
        button("case-pick", [
          el("span", "case-line", [
            el("b", "case-id", c.id),
            el("span", `case-kind kind-${c.kind}`, c.kind_name),
            c.number ? el("span", "case-number", c.number) : null,
            el("span", "case-due", deadline(c)),
          ]),
          el("span", "case-line muted", [
            el("span", "case-service", c.service_name || "未指明事项"),
            c.window ? el("span", null, `${c.window} 号窗口`) : null,
            el("span", "case-status", c.status_name),
          ]),
        ], () => openCase(c.id), { "data-case": c.id }),
      ], { "data-case": c.id }),
    );
    list.replaceChildren(...(items.length ? items : [el("li", "empty", "没有此状态的工单")]));
  }

  async function openCase(id) {
    const answer = await Api.call("GET", `${casesPath}/${encodeURIComponent(id)}`);
    if (!answer.ok) {
      say(StaffCore.describeError(answer, "读取工单"), "error");
      return;
    }
    if (state.chosen !== id) state.action = null;
    state.chosen = id;
    state.record = answer.data;
    drawList();
    drawCase();
  }

  // ------------------------------------------------------------ one case

  function drawCase() {
    const c = state.record;
    const facts = [
      ["号码", c.number || "—"],
      ["事项", c.service_name || "—"],
      ["窗口 / 工号", [c.window ? `${c.window} 号窗口` : "—", c.staff_no ? `工号 ${c.staff_no}` : ""].join(" ").trim()],
      c.grade ? ["评价", c.grade_name] : null,
      c.reasons.length ? ["原因", c.reasons.join("、")] : null,
      ["办事人意见", c.comment || "—"],
      ["回访电话", c.callback_phone || c.phone_masked || "未留"],
      ["来源", c.source_name],
      ["立案时间", c.opened_at.slice(0, 16).replace("T", " ")],
      ["办结期限", `${c.due_date}（${deadline(c)}）`],
      ["承办", c.assignee ? `工号 ${c.assignee}` : "本厅主管"],
    ].filter(Boolean);
    detail.replaceChildren(
      el("h3", `case-title ${urgencyClass(c)}`, [
        el("span", null, `工单 ${c.id} · ${c.kind_name}`),
        el("span", "case-state", c.status_name),
      ]),
      el("dl", "case-facts", facts.flatMap(([k, v]) => [el("dt", null, k), el("dd", null, v)])),
      el("h4", null, "办理记录"),
      el("ol", "case-steps", c.steps.map(stepLine)),
      c.ended ? el("p", "case-ended", "工单已结束") : actions(c),
    );
  }

  function stepLine(s) {
    const said = [];
    if (s.finding) said.push(`核实情况：${s.finding}${s.founded === false ? "（不属实）" : s.founded ? "（属实）" : ""}`);
    if (s.measures) said.push(`整改措施：${s.measures}`);
    if (s.result) said.push(`回访${s.reached ? "" : "（未联系上）"}：${s.result}`);
    if (s.satisfaction) said.push(`满意度：${GRADES[s.satisfaction] || s.satisfaction}`);
    if (s.caller) said.push(`回访人：${s.caller}`);
    if (s.reason) said.push(`不实理由：${s.reason}`);
    if (s.note) said.push(`说明：${s.note}`);
    if (s.assignee) said.push(`指派给工号 ${s.assignee}`);
    if (s.grade && !s.finding) said.push(`评价：${GRADES[s.grade] || s.grade}`);
    const by = s.by === "visitor" ? "办事人" : s.by === "system" ? "系统" : s.by;
    return el("li", "case-step", [
      el("span", "step-at", s.at ? s.at.slice(5, 16).replace("T", " ") : ""),
      el("b", "step-name", s.action_name || s.action),
      el("span", "step-by", by),
      said.length ? el("span", "step-said", said.join("；")) : null,
    ]);
  }

  function actions(c) {
    const moves = c.next;
    if (!moves.includes(state.action)) state.action = moves[0];
    const tabs = el("div", "case-tabs", moves.map((m) =>
      button(`case-tab${m === state.action ? " selected" : ""}${m === "dismiss" ? " danger" : ""}`, ACTION_ZH[m], () => {
        state.action = m;
        drawCase();
      }, { "data-action": m }),
    ));
    return el("div", "case-actions", [tabs, moveForm(c, state.action), assignRow(c)]);
  }

  const field = (label, input) => el("label", "case-field", [el("span", null, label), input]);
  const text = (name, required, placeholder) =>
    el("textarea", "case-text", null, { name, required, maxlength: 500, rows: 3, placeholder });
  const choice = (name, options) =>
    el("select", "case-select", options.map(([v, t]) => el("option", null, t, { value: v })), { name });

  function moveForm(c, action) {
    const parts = {
      verify: () => [
        field("核实情况（必填）", text("finding", true, "调取录像、询问窗口人员等核实经过")),
        el("p", "case-hint", "核实为不属实的，请改用「认定不实」并写明理由"),
      ],
      rectify: () => [field("整改措施（必填）", text("measures", true, "已采取的整改措施"))],
      callback: () => [
        field("是否联系上办事人", choice("reached", [["true", "已联系上"], ["false", "未联系上"]])),
        field("回访结果（必填）", text("result", true, "办事人的意见")),
        field("办事人满意度（联系上时必填）", choice("satisfaction", [["", "—"], ...[5, 4, 3, 2, 1].map((g) => [String(g), GRADES[g]])])),
        field("回访人", el("input", "case-input", null, { name: "by", maxlength: 20, placeholder: "姓名" })),
      ],
      close: () => [field("办结说明", text("note", false, "可不填"))],
      dismiss: () => [field("不实理由（必填，留存记录）", text("reason", true, "认定不实的依据"))],
    };
    const submit = el("button", `primary case-submit${action === "dismiss" ? " danger" : ""}`, `提交${ACTION_ZH[action]}`, {
      type: "submit",
      id: "case-submit",
    });
    const form = el("form", "case-form", [...parts[action](), el("div", "case-row", [submit])], {
      id: `case-${action}`,
      "data-action": action,
    });
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      send(c, action, bodyOf(form, action), submit);
    });
    return form;
  }

  function bodyOf(form, action) {
    const data = Object.fromEntries(new FormData(form).entries());
    const trimmed = Object.fromEntries(Object.entries(data).map(([k, v]) => [k, String(v).trim()]).filter(([, v]) => v !== ""));
    if (action === "callback") {
      trimmed.reached = trimmed.reached === "true";
      if (trimmed.satisfaction) trimmed.satisfaction = Number(trimmed.satisfaction);
    }
    return trimmed;
  }

  async function send(c, action, body, submit) {
    if (action === "callback" && body.reached && !body.satisfaction) {
      say("联系上办事人时，请选择办事人的满意度", "error");
      return;
    }
    state.busy = true;
    submit.disabled = true;
    const answer = await Api.call("POST", `${casesPath}/${encodeURIComponent(c.id)}/${action}`, body);
    state.busy = false;
    submit.disabled = false;
    if (!answer.ok) {
      say(StaffCore.describeError(answer, ACTION_ZH[action]), "error");
      return;
    }
    say(`工单 ${c.id} 已提交${ACTION_ZH[action]}，现为「${answer.data.status_name}」`);
    state.record = answer.data;
    state.action = null;
    drawCase();
    load();
  }

  // Hand a running case to one of the hall's supervisors (GET …/staff lists them).
  function assignRow(c) {
    const pick = el("select", "case-select", [el("option", null, "本厅主管（不指定）", { value: "" })], {
      "aria-label": "指派给",
      id: "case-assignee",
    });
    Api.call("GET", `${hallPath}/staff`).then((answer) => {
      if (!answer.ok) return;
      const members = (answer.data.staff || []).filter((m) => m.active && ["supervisor", "admin"].includes(m.role));
      pick.append(...members.map((m) => el("option", null, `${m.staff_no} ${m.name}`, { value: m.staff_no })));
      pick.value = c.assignee || "";
    });
    const go = button("case-assign", "指派", async () => {
      if (!pick.value) return;
      const answer = await Api.call("POST", `${casesPath}/${encodeURIComponent(c.id)}/assign`, { staff_no: pick.value });
      if (!answer.ok) return say(StaffCore.describeError(answer, "指派"), "error");
      say(`工单 ${c.id} 已指派给工号 ${pick.value}`);
      state.record = answer.data;
      drawCase();
      load();
    });
    return el("div", "case-row case-assign-row", [el("span", "muted", "承办主管"), pick, go]);
  }

  // ------------------------------------------------------------ 「办不成事」 on a visitor's word

  function reportForm() {
    state.chosen = null;
    state.record = null;
    drawList();
    const services = el("select", "case-select", [el("option", null, "（未指明）", { value: "" })], { name: "service" });
    Api.call("GET", "/api/services").then((answer) => {
      if (!answer.ok) return;
      services.append(...answer.data.services.map((s) => el("option", null, s.name, { value: s.code })));
    });
    const submit = el("button", "primary case-submit", "登记工单", { type: "submit" });
    const form = el("form", "case-form", [
      field("号码或号票编号（可不填）", el("input", "case-input", null, { name: "ticket_id", maxlength: 64, placeholder: "如 A023" })),
      field("事项", services),
      field("情况说明（必填）", text("comment", true, "办事人反映的事项为何办不成")),
      field("回访电话", el("input", "case-input", null, { name: "callback_phone", maxlength: 24, inputmode: "tel" })),
      el("div", "case-row", [submit]),
    ], { id: "case-report" });
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const body = bodyOf(form, "report");
      submit.disabled = true;
      const answer = await Api.call("POST", casesPath, body);
      submit.disabled = false;
      if (!answer.ok) return say(StaffCore.describeError(answer, "登记"), "error");
      say(`已登记「办不成事」工单 ${answer.data.id}，办结期限 ${answer.data.due_date}`);
      await load();
      openCase(answer.data.id);
    });
    detail.replaceChildren(
      el("h3", "case-title", "代为反映「办不成事」"),
      el("p", "muted", "办事人反映事项办不成时，由工作人员代为登记，与差评一样限期办结并回访。"),
      form,
    );
  }

  // ------------------------------------------------------------ refreshes

  document.addEventListener("hall-feed", (event) => {
    if (event.detail && event.detail.type === "ticket.rated") load();
  });
  setInterval(load, EVERY_MS);
  load();
})();
