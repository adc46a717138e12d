/*
 * The supervisor console's 送服务上门 (home visits).
 *
 * In the top bar: 「上门服务 n」, the visits still open (amber while some
 * wait to be scheduled). It opens a dialog with the list (GET
 * /api/halls/{hall}/home-visits?status=…, oldest first: contact name and
 * phone masked, never the address) and one visit with its record and next
 * moves: 安排上门 (a time in the hall's zone and the member who goes),
 * 不予安排 (a reason the requester is texted), 登记办结 (the outcome; the
 * visit becomes a served ticket of the day). 「查看地址和电话」 opens them
 * (GET …/{id}/contact) for the member who goes or a supervisor signed in by
 * 工号, and the server audits it. Reloaded every 30 s.
 */
(function () {
  "use strict";

  const { $, el, button } = StaffUi;
  const hall = document.body.dataset.hall;
  const visitsPath = `/api/halls/${encodeURIComponent(hall)}/home-visits`;
  const EVERY_MS = 30000;
  const FILTERS = [
    ["open", "待办（待安排、已安排）"],
    ["requested", "待安排"],
    ["scheduled", "已安排"],
    ["done", "已办结"],
    ["declined", "未予安排"],
    ["cancelled", "已取消"],
    ["all", "全部"],
  ];
  const ACTION_ZH = { schedule: "安排上门", decline: "不予安排", done: "登记办结" };
  const OUTCOMES = ["办结", "受理", "补正材料", "不予受理", "仅咨询"];

  const state = { filter: "open", open: null, listed: null, chosen: null, action: null, busy: false };

  const own = document.currentScript ? new URL(document.currentScript.src) : null;
  document.head.append(el("link", null, null, {
    rel: "stylesheet",
    href: `${document.body.dataset.base || ""}/static/supervisor-visits.css${own ? own.search : ""}`,
  }));

  // ------------------------------------------------------------ the top bar and the dialog

  const count = el("b", "visits-count", "0", { id: "visits-count" });
  const waiting = el("span", "visits-waiting", "", { id: "visits-waiting" });
  const opener = button("export visits-open", [el("span", null, "上门服务 "), count, waiting], () => showDialog(), {
    id: "visits-open",
    "aria-haspopup": "dialog",
  });
  document.querySelector(".top").insertBefore(opener, $("record-open"));

  const filter = el("select", "visits-filter", FILTERS.map(([v, t]) => el("option", null, t, { value: v })), {
    id: "visits-filter",
    "aria-label": "按状态筛选",
  });
  filter.addEventListener("change", () => {
    state.filter = filter.value;
    load();
  });
  const list = el("ol", "visit-list", null, { id: "visit-list", "aria-label": "上门服务申请" });
  const detail = el("div", "visit-detail", null, { id: "visit-detail" });
  const note = el("p", "visits-note", "", { id: "visits-note", role: "status", "aria-live": "polite" });
  const dialog = el("dialog", "picker visits", [
    el("div", "visits-head", [
      el("h2", "picker-title", "送服务上门"),
      el("p", "visits-summary muted", "行动不便、患病或企业员工较多的申请人；地址仅向上门人员显示", { id: "visits-summary" }),
      filter,
      button("picker-cancel", "关闭（Esc）", () => dialog.close()),
    ]),
    note,
    el("div", "visits-body", [el("div", "visit-column", [list]), detail]),
  ], { id: "visits", "aria-label": "送服务上门" });
  document.body.append(dialog);

  function say(text, kind = "ok") {
    if (!dialog.open) return StaffUi.showMessage(text, kind);
    note.textContent = text;
    note.className = `visits-note ${kind}`;
  }

  function showDialog() {
    note.textContent = "";
    dialog.showModal();
    load();
  }

  async function load() {
    const [open, listed] = await Promise.all([
      Api.call("GET", `${visitsPath}?status=open`),
      state.filter === "open" ? null : Api.call("GET", `${visitsPath}?status=${state.filter}`),
    ]);
    if (!open.ok) {
      opener.title = StaffCore.describeError(open, "读取上门服务");
      return;
    }
    state.open = open.data;
    state.listed = listed ? (listed.ok ? listed.data : null) : open.data;
    const asked = open.data.visits.filter((v) => v.status === "requested").length;
    count.textContent = String(open.data.visits.length);
    waiting.textContent = asked ? ` · 待安排 ${asked}` : "";
    opener.classList.toggle("has-requested", asked > 0);
    if (!dialog.open || state.busy) return;
    drawList();
    const chosen = state.listed && state.listed.visits.find((v) => v.id === state.chosen);
    if (chosen) drawVisit(chosen);
  }

  const when = (iso) => (iso ? iso.slice(5, 16).replace("T", " ") : "—");

  function drawList() {
    const items = state.listed.visits.map((v) =>
      el("li", `visit-item status-${v.status}${v.id === state.chosen ? " chosen" : ""}`, [
        button("visit-pick", [
          el("span", "visit-line", [
            el("b", null, v.service_name),
            el("span", `visit-status status-${v.status}`, v.status_name),
          ]),
          el("span", "visit-line muted", [
            el("span", null, `${v.kind_name} · ${v.reason_name} · ${v.people} 人`),
            el("span", null, v.scheduled_at ? `上门 ${when(v.scheduled_at)} · 工号 ${v.staff_no}` : `期望 ${v.wanted_date}`),
          ]),
        ], () => choose(v), { "data-visit": v.id }),
      ]),
    );
    list.replaceChildren(...(items.length ? items : [el("li", "empty", "没有此状态的申请")]));
  }

  function choose(v) {
    if (state.chosen !== v.id) state.action = null;
    state.chosen = v.id;
    drawList();
    drawVisit(v);
  }

  // ------------------------------------------------------------ one visit

  function drawVisit(v) {
    const facts = [
      ["申请编号", v.id],
      ["事项", v.service_name],
      ["类型 / 理由", `${v.kind_name} · ${v.reason_name}`],
      ["办理人数", `${v.people} 人`],
      ["联系人", `${v.contact_masked}（${v.phone_masked}）`],
      ["期望日期", v.wanted_date],
      ["备注", v.note || "—"],
      ["上门时间", v.scheduled_at ? when(v.scheduled_at) : "未安排"],
      ["上门人员", v.staff_no ? `工号 ${v.staff_no}` : "—"],
      v.number ? ["办结号码", v.number] : null,
    ].filter(Boolean);
    const contact = el("div", "visit-contact", [
      button("visit-open-contact", "查看地址和电话（留痕）", () => openContact(v, contact), { id: "visit-contact" }),
    ]);
    const parts = [
      el("h3", "visit-title", [el("span", null, `${v.service_name}`), el("span", `visit-status status-${v.status}`, v.status_name)]),
      el("dl", "visit-facts", facts.flatMap(([k, val]) => [el("dt", null, k), el("dd", null, val)])),
      v.next.length ? contact : null,
      el("h4", null, "办理记录"),
      el("ol", "visit-steps", v.steps.map((s) => el("li", null, [
        el("span", "muted", when(s.at)),
        el("b", null, s.action_name),
        el("span", null, s.by),
        el("span", null, said(s)),
      ]))),
      v.next.length ? actions(v) : el("p", "muted", "申请已结束"),
    ];
    detail.replaceChildren(...parts.filter(Boolean));
  }

  function said(s) {
    const parts = [];
    if (s.scheduled_at) parts.push(`${when(s.scheduled_at)} · 工号 ${s.staff_no}`);
    if (s.reason) parts.push(`原因：${s.reason}`);
    if (s.outcome) parts.push(`${s.outcome} · 号码 ${s.number} · 上门 ${when(s.started_at)}–${when(s.finished_at).slice(6)}`);
    return parts.join("；");
  }

  async function openContact(v, box) {
    const answer = await Api.call("GET", `${visitsPath}/${encodeURIComponent(v.id)}/contact`);
    if (!answer.ok) return say(StaffCore.describeError(answer, "查看地址"), "error");
    box.replaceChildren(el("dl", "visit-facts", [
      el("dt", null, "上门地址"), el("dd", "visit-address", answer.data.address),
      el("dt", null, "联系电话"), el("dd", null, answer.data.phone),
    ]));
  }

  function actions(v) {
    if (!v.next.includes(state.action)) state.action = v.next[0];
    const tabs = el("div", "visit-tabs", v.next.map((m) =>
      button(`visit-tab${m === state.action ? " selected" : ""}`, ACTION_ZH[m], () => {
        state.action = m;
        drawVisit(v);
      }, { "data-action": m }),
    ));
    return el("div", "visit-actions", [tabs, moveForm(v, state.action)]);
  }

  const field = (label, input) => el("label", "visit-field", [el("span", null, label), input]);

  function moveForm(v, action) {
    const staff = (state.open && state.open.staff) || [];
    const parts = {
      schedule: () => [
        field("上门时间（大厅所在时区）", el("input", "visit-input", null, {
          name: "at", type: "datetime-local", required: true, value: v.scheduled_at ? v.scheduled_at.slice(0, 16) : "",
        })),
        field("上门人员", el("select", "visit-input", staff.map((m) =>
          el("option", null, `${m.staff_no} ${m.name}`, { value: m.staff_no })), { name: "staff_no" })),
      ],
      decline: () => [field("不予安排的原因（短信告知申请人）", el("textarea", "visit-input", null, {
        name: "reason", required: true, maxlength: 200, rows: 3,
      }))],
      done: () => [field("办理结果", el("select", "visit-input", OUTCOMES.map((o) =>
        el("option", null, o, { value: o })), { name: "outcome" }))],
    };
    const submit = el("button", "primary visit-submit", `提交${ACTION_ZH[action]}`, { type: "submit", id: "visit-submit" });
    const form = el("form", "visit-form", [...parts[action](), submit], { id: `visit-${action}` });
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const body = Object.fromEntries(new FormData(form).entries());
      // The hall's offset, as the server wrote it on the visit's times.
      if (body.at) body.at = `${body.at}:00${v.created_at.slice(19)}`;
      send(v, action, body, submit);
    });
    return form;
  }

  async function send(v, action, body, submit) {
    state.busy = true;
    submit.disabled = true;
    const answer = await Api.call("POST", `${visitsPath}/${encodeURIComponent(v.id)}/${action}`, body);
    state.busy = false;
    submit.disabled = false;
    if (!answer.ok) return say(StaffCore.describeError(answer, ACTION_ZH[action]), "error");
    const done = answer.data;
    say(action === "done"
      ? `已登记办结，记为号码 ${done.number}，计入今日办件`
      : `已${ACTION_ZH[action]}，现为「${done.status_name}」，已短信通知申请人`);
    state.action = null;
    drawVisit(done);
    load();
  }

  setInterval(load, EVERY_MS);
  load();
})();
