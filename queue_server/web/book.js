/*
 * The booking page /book/{hall} (网上预约), phone first: choose the item, answer
 * its 办事指引 questions when it has them, a day and a slot, the real name, the
 * document and the phone, the item's pre-fill form; then the code texted to the
 * phone confirms the booking, and the result shows the booking code, its QR,
 * the calendar entry and the link to view, cancel or move it.
 *
 * Every check runs here first (book-check.js) and again on the server, whose
 * refusal (a 429 over the limits too) is shown as it words it.
 */
"use strict";

(() => {
  const { byId, el, show } = Dom;
  const { say, refusal, once } = BookUi;
  const hall = document.body.dataset.hall;
  const STEPS = ["item", "detail", "time", "person", "code", "done"];
  const state = {
    offer: null,
    category: "",
    item: null,
    answers: {},
    guideDone: true,
    checklist: [],
    slot: null,
    pending: null,
  };

  function go(step) {
    document.body.dataset.step = step;
    for (const name of STEPS) show(`step-${name}`, name === step);
    const bar = step === "detail" ? "item" : step;
    for (const li of document.querySelectorAll(".b-steps li")) li.classList.toggle("now", li.dataset.for === bar);
    say("");
    window.scrollTo(0, 0);
  }

  // English beside Chinese where a foreigner looks: 出入境 items and foreign documents.
  function bilingual() {
    const foreign = byId("doc-type").value && byId("doc-type").value !== "resident_id";
    const exitEntry = state.item && state.item.category === "exit_entry";
    document.body.classList.toggle("bilingual", Boolean(foreign || exitEntry));
  }

  // ------------------------------------------------------------ the item

  /** The category chips: 全部 and each category, one of them pressed. */
  function listCategories() {
    const chips = [{ code: "", name: "全部" }, ...state.offer.categories].map((c) => {
      const chip = el("button", "b-cat", c.name);
      chip.type = "button";
      chip.setAttribute("aria-pressed", String(c.code === state.category));
      chip.addEventListener("click", () => {
        state.category = c.code;
        listCategories();
        listItems();
      });
      return chip;
    });
    byId("item-cats").replaceChildren(...chips);
  }

  function listItems() {
    const query = byId("item-search").value.trim();
    const matches = (i) => !query || i.name.includes(query) || i.code.includes(query.toUpperCase());
    const groups = state.offer.categories
      .filter((c) => !state.category || c.code === state.category)
      .map((c) => ({ ...c, items: c.items.filter(matches) }))
      .filter((c) => c.items.length);
    const nodes = groups.map((c) =>
      el("div", "b-group", [el("h2", null, c.name), ...c.items.map(itemButton)]),
    );
    if (!nodes.length) nodes.push(el("p", "b-hint", "没有找到该事项，请换个说法再搜"));
    byId("item-list").replaceChildren(...nodes);
  }

  function itemButton(item) {
    const need = item.booking_only ? el("span", "badge need", "需预约") : el("span", "badge plain", "可现场取号");
    const button = el("button", "b-item", [el("span", "b-item-name", item.name), need]);
    button.type = "button";
    button.dataset.code = item.code;
    button.addEventListener("click", () => chooseItem(item));
    return button;
  }

  function chooseItem(item) {
    state.item = item;
    state.answers = {};
    state.guideDone = true;
    byId("item-name").textContent = item.name;
    byId("item-need").textContent = item.booking_only
      ? "本事项须预约办理，请按预约时段到大厅签到"
      : "本事项可现场取号，预约后按时段签到可优先办理";
    Dom.fillMaterials(byId("item-materials"), item.materials);
    byId("to-time").disabled = false;
    mountGuide(item);
    bilingual();
    go("detail");
  }

  /** The item's 办事指引: its questions, then the personal 收件清单 (the widget shows it). */
  function mountGuide(item) {
    state.checklist = item.materials;
    show("guide-box", Boolean(item.guide));
    show("materials-box", !item.guide);
    if (!item.guide) return;
    state.guideDone = false;
    GuideTree.mount(byId("guide"), item.guide, item.materials, (change) => {
      state.answers = change.answers;
      state.guideDone = change.complete;
      state.checklist = change.checklist;
      byId("to-time").disabled = !change.complete;
    }, { title: "" });
  }

  // ------------------------------------------------------------ the time

  function toTime() {
    if (!state.guideDone) return say("请先回答办事指引的问题，生成您的收件清单");
    state.slot = null;
    byId("to-person").disabled = true;
    byId("time-item").textContent = state.item.name;
    BookSlots.mount(byId("slot-picker"), {
      hall,
      service: state.item.code,
      days: state.offer.days,
      today: state.offer.today,
      onPick: (slot) => {
        state.slot = slot;
        byId("to-person").disabled = !slot;
      },
    });
    go("time");
  }

  // ------------------------------------------------------------ the person

  function toPerson() {
    byId("person-slot").textContent = `${state.item.name} · ${BookSlots.when(state.slot.start, state.slot.end, state.offer.today)}`;
    const select = byId("doc-type");
    const kept = select.value;
    select.replaceChildren(
      ...state.item.documents.map((d) => {
        const names = BookCheck.DOCUMENTS[d];
        const option = el("option", null, d === "resident_id" ? names.zh : `${names.zh} ${names.en}`);
        option.value = d;
        return option;
      }),
    );
    if (state.item.documents.includes(kept)) select.value = kept;
    buildForm(state.item.form);
    bilingual();
    go("person");
  }

  function buildForm(fields) {
    show("form-box", fields.length > 0);
    const rows = [];
    for (const spec of fields) {
      const input = spec.type === "choice" ? el("select", "b-input") : el("input", "b-input");
      if (spec.type === "choice") {
        input.append(el("option", null, "请选择"), ...spec.options.map((o) => el("option", null, o)));
        input.firstChild.value = "";
      } else {
        input.type = spec.type === "date" ? "date" : "text";
        input.maxLength = spec.max_length;
        if (spec.type === "number") input.inputMode = "numeric";
      }
      input.name = spec.name;
      input.id = `f-${spec.name}`;
      const en = BookCheck.FIELD_EN[spec.name];
      const label = el("span", "b-label", [
        document.createTextNode(spec.label + (spec.required ? " *" : "")),
        en ? el("span", "en", ` ${en}`) : null,
      ]);
      rows.push(el("label", "b-field", [label, input]), el("p", "b-error", ""));
      rows[rows.length - 1].id = `err-f-${spec.name}`;
    }
    byId("form-fields").replaceChildren(...rows);
  }

  /** A check's refusal, with its English where the page shows English. */
  function words(result) {
    if (result.ok) return "";
    const english = document.body.classList.contains("bilingual") && result.en;
    return english ? `${result.message}（${result.en}）` : result.message;
  }

  /** Every field checked, each message beside its field; the body, or null. */
  function checkedBody() {
    const checks = {
      name: BookCheck.name(byId("name").value),
      id: BookCheck.idNumber(YiChuangId, byId("doc-type").value, byId("id-number").value, state.offer.today),
      phone: BookCheck.phone(byId("phone").value),
    };
    for (const [key, result] of Object.entries(checks)) byId(`err-${key}`).textContent = words(result);
    const values = {};
    for (const spec of state.item.form) values[spec.name] = byId(`f-${spec.name}`).value;
    for (const spec of state.item.form) byId(`err-f-${spec.name}`).textContent = "";
    const form = BookCheck.form(state.item.form, values);
    if (!form.ok) byId(`err-f-${form.field}`).textContent = words(form);
    if (!form.ok || !Object.values(checks).every((c) => c.ok)) return null;
    const body = {
      service: state.item.code,
      slot: state.slot.start,
      name: checks.name.value,
      document_type: byId("doc-type").value,
      id_number: checks.id.value,
      phone: checks.phone.value,
    };
    if (state.item.form.length) body.form = form.value;
    if (state.item.guide) body.answers = state.answers;
    return body;
  }

  async function sendCode() {
    const body = checkedBody();
    if (!body) return say("请按提示修改后再提交");
    const reply = await Api.call("POST", `/api/halls/${encodeURIComponent(hall)}/appointments`, body);
    if (!reply.ok) return say(refusal(reply));
    state.pending = reply.data;
    byId("code-sent").textContent = reply.data.message;
    byId("otp").value = "";
    go("code");
    byId("otp").focus();
  }

  // ------------------------------------------------------------ the code

  async function confirm() {
    const code = byId("otp").value.trim();
    if (!/^\d{6}$/.test(code)) return say("请输入短信中的6位数字验证码");
    const body = { pending_id: state.pending.pending_id, code };
    const reply = await Api.call("POST", `/api/halls/${encodeURIComponent(hall)}/appointments/confirm`, body);
    if (!reply.ok) return say(refusal(reply));
    done(reply.data);
  }

  function done(booking) {
    const root = Api.root();
    byId("done-code").textContent = booking.code;
    byId("done-qr").src = `${root}/qr.svg?data=${encodeURIComponent(booking.code)}`;
    byId("done-ics").href = `${root}/api/appointments/${encodeURIComponent(booking.code)}.ics`;
    byId("done-manage").href = `${root}/book/${encodeURIComponent(hall)}/${encodeURIComponent(booking.code)}`;
    const facts = [
      ["事项", booking.service_name],
      ["时间", BookSlots.when(state.slot.start, state.slot.end, state.offer.today)],
      ["地点", booking.hall_name],
    ];
    Dom.fillMaterials(byId("done-materials"), state.checklist);
    byId("done-facts").replaceChildren(...facts.map(([k, v]) => el("div", null, [el("dt", null, k), el("dd", null, v)])));
    go("done");
  }

  // ------------------------------------------------------------ start

  async function start() {
    const reply = await Api.call("GET", `/api/halls/${encodeURIComponent(hall)}/booking`);
    show("loading", false);
    if (!reply.ok) {
      say(reply.status === 404 ? "找不到这个大厅，请核对网址" : refusal(reply));
      return;
    }
    state.offer = reply.data;
    byId("hall-name").textContent = reply.data.hall_name;
    document.title = `网上预约 · ${reply.data.hall_name}`;
    listCategories();
    listItems();
    go("item");
  }

  const sendOnce = once(sendCode);
  const confirmOnce = once(confirm);
  byId("item-search").addEventListener("input", listItems);
  byId("detail-back").addEventListener("click", () => go("item"));
  byId("to-time").addEventListener("click", toTime);
  byId("time-back").addEventListener("click", () => go("detail"));
  byId("to-person").addEventListener("click", toPerson);
  byId("person-back").addEventListener("click", () => go("time"));
  byId("doc-type").addEventListener("change", bilingual);
  byId("person-form").addEventListener("submit", (event) => {
    event.preventDefault();
    sendOnce();
  });
  byId("confirm").addEventListener("click", confirmOnce);
  byId("otp").addEventListener("keydown", (event) => {
    if (event.key === "Enter") confirmOnce();
  });
  byId("code-back").addEventListener("click", () => go("person"));
  start();
})();
