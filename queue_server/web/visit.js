/*
 * 送服务上门 from a phone (GET /visit/{hall}): the request form (the hall's
 * items from GET …/home-visits/form), a code texted to the phone, and then the
 * visit's state by its code (?v=<code>, which a reload keeps), with a cancel
 * that takes a new code. No token: the public API shows the name and phone
 * masked, never the address.
 *
 * Test hooks on <body>: data-step (loading | form | code | visit | missing)
 * and data-status (the visit's status once shown).
 */
(function () {
  "use strict";

  const { byId, el, setText, show } = Dom;
  const body = document.body;
  const hall = body.dataset.hall;
  const base = `/api/halls/${encodeURIComponent(hall)}/home-visits`;
  const TONES = { requested: "", scheduled: "tone-scheduled", done: "tone-done" };

  let form = null; // GET …/form
  let kind = "person";
  let reason = "mobility";
  let challenge = null;
  let visitId = new URLSearchParams(location.search).get("v");

  function step(name) {
    body.dataset.step = name;
    show("loading", name === "loading");
    show("missing", name === "missing");
    show("ask", name === "form");
    show("code-step", name === "code");
    show("visit", name === "visit");
  }

  function missing(title, text) {
    setText("missing-title", title);
    setText("missing-text", text);
    step("missing");
  }

  // ------------------------------------------------------------------ the form

  function choices(containerId, options, current, pick) {
    const buttons = options.map((o) => {
      const b = el("button", "v-choice", o.name);
      b.type = "button";
      b.setAttribute("role", "radio");
      b.setAttribute("aria-checked", String(o.value === current));
      b.dataset.value = o.value;
      b.addEventListener("click", () => pick(o.value));
      return b;
    });
    byId(containerId).replaceChildren(...buttons);
  }

  function drawChoices() {
    choices("kinds", form.kinds, kind, (value) => {
      kind = value;
      reason = kind === "company" ? "company" : "mobility";
      if (kind === "company" && Number(byId("people").value) < form.company_min) {
        byId("people").value = String(form.company_min);
      }
      drawChoices();
    });
    // A company asks for its many staff; a person for mobility, illness or other.
    const reasons = form.reasons.filter((r) => (kind === "company") === (r.value === "company"));
    choices("reasons", reasons, reason, (value) => {
      reason = value;
      drawChoices();
    });
    setText(
      "people-hint",
      kind === "company" ? `企业申请至少 ${form.company_min} 人` : "本人及需一同办理的家人"
    );
  }

  function drawItems() {
    const groups = new Map();
    for (const item of form.items) {
      if (!groups.has(item.category_name)) groups.set(item.category_name, el("optgroup"));
      const group = groups.get(item.category_name);
      group.label = item.category_name;
      const option = el("option", null, item.name);
      option.value = item.code;
      group.append(option);
    }
    byId("service").replaceChildren(...groups.values());
    drawMaterials();
  }

  function drawMaterials() {
    const item = form.items.find((i) => i.code === byId("service").value);
    Dom.fillMaterials(byId("materials"), item ? item.materials : []);
  }

  async function loadForm() {
    const result = await Api.call("GET", `${base}/form`);
    if (!result.ok) {
      missing("暂时无法申请", result.data.message || "请稍后再试");
      return;
    }
    form = result.data;
    setText("hall-name", `${form.hall_name} · 送服务上门`);
    drawItems();
    drawChoices();
    const wanted = byId("wanted");
    wanted.min = form.first_date;
    wanted.max = form.last_date;
    wanted.value = form.first_date;
    step("form");
  }

  function request() {
    return {
      kind,
      reason,
      service: byId("service").value,
      people: Number(byId("people").value),
      contact_name: byId("contact").value.trim(),
      phone: byId("phone").value.trim(),
      address: byId("address").value.trim(),
      wanted_date: byId("wanted").value,
      note: byId("note").value.trim() || null,
    };
  }

  async function send(event) {
    event.preventDefault();
    const wanted = request();
    const empty = [
      ["contact_name", "联系人姓名"],
      ["phone", "手机号码"],
      ["address", "上门地址"],
      ["wanted_date", "期望日期"],
    ].find(([key]) => !wanted[key]);
    if (empty) {
      setText("ask-message", `请填写${empty[1]}`);
      return;
    }
    byId("send").disabled = true;
    const result = await Api.call("POST", base, wanted);
    byId("send").disabled = false;
    if (!result.ok) {
      setText("ask-message", result.data.message);
      return;
    }
    setText("ask-message", "");
    challenge = result.data.challenge;
    setText("code-sent", result.data.message);
    byId("code").value = "";
    step("code");
    byId("code").focus();
  }

  async function confirm(event) {
    event.preventDefault();
    const code = byId("code").value.trim();
    if (!/^\d{6}$/.test(code)) {
      setText("code-message", "请输入短信中的 6 位验证码");
      return;
    }
    byId("confirm").disabled = true;
    const result = await Api.call("POST", `${base}/confirm`, { challenge, code });
    byId("confirm").disabled = false;
    if (!result.ok) {
      setText("code-message", result.data.message);
      return;
    }
    visitId = result.data.id;
    // The address keeps the visit's code: a reload or a bookmark shows it again.
    history.replaceState(null, "", `${location.pathname}?v=${encodeURIComponent(visitId)}`);
    drawVisit(result.data, true);
  }

  // ------------------------------------------------------------------ the visit

  function localTime(iso) {
    // The hall's own wall clock: the offset in the string is the hall's zone.
    const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(iso || "");
    return m ? `${Number(m[2])}月${Number(m[3])}日 ${m[4]}:${m[5]}` : "—";
  }

  function drawVisit(v, justAsked) {
    body.dataset.status = v.status;
    setText("hall-name", `${v.hall_name} · 送服务上门`);
    setText("v-id", v.id);
    const status = byId("v-status");
    status.textContent = v.status_name;
    status.className = `s-status ${TONES[v.status] ?? "tone-ended"}`;
    show("v-done-note", Boolean(justAsked));
    setText("v-service", v.service_name);
    setText("v-reason", `${v.kind_name} · ${v.reason_name}`);
    setText("v-people", `${v.people} 人`);
    setText("v-contact", `${v.contact_masked}（${v.phone_masked}）`);
    setText("v-wanted", v.wanted_date);
    show("v-when-row", Boolean(v.scheduled_at));
    setText("v-when", localTime(v.scheduled_at));
    show("v-staff-row", Boolean(v.staff_no));
    setText("v-staff", v.staff_no ? `工号 ${v.staff_no}` : "—");
    show("v-declined-row", Boolean(v.decline_reason));
    setText("v-declined", v.decline_reason || "—");
    show("cancel-box", v.next.includes("cancel"));
    show("cancel-step", false);
    step("visit");
  }

  async function loadVisit() {
    const result = await Api.call("GET", `/api/home-visits/${encodeURIComponent(visitId)}`);
    if (!result.ok) {
      missing("找不到这项申请", result.data.message || "请核对申请编号");
      return;
    }
    drawVisit(result.data, false);
  }

  async function askCancel() {
    const path = `/api/home-visits/${encodeURIComponent(visitId)}/cancel`;
    const result = await Api.call("POST", path);
    if (!result.ok) {
      setText("cancel-message", result.data.message);
      return;
    }
    challenge = result.data.challenge;
    setText("cancel-message", "");
    setText("cancel-sent", result.data.message);
    show("cancel-step", true);
    byId("cancel-code").focus();
  }

  async function cancel() {
    const path = `/api/home-visits/${encodeURIComponent(visitId)}/cancel/confirm`;
    const code = byId("cancel-code").value.trim();
    const result = await Api.call("POST", path, { challenge, code });
    if (!result.ok) {
      setText("cancel-message", result.data.message);
      return;
    }
    setText("cancel-message", "");
    drawVisit(result.data, false);
  }

  byId("ask").addEventListener("submit", send);
  byId("code-step").addEventListener("submit", confirm);
  byId("back").addEventListener("click", () => step("form"));
  byId("service").addEventListener("change", drawMaterials);
  byId("cancel").addEventListener("click", askCancel);
  byId("cancel-yes").addEventListener("click", cancel);

  if (visitId) loadVisit();
  else loadForm();
})();
