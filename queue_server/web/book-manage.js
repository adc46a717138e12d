/*
 * A booking's page /book/{hall}/{code}: whoever holds the code sees the
 * booking masked (张*, 138****5678, 11***************X), its QR and calendar
 * entry; cancelling or moving it takes a code texted to the booking's own
 * phone (POST …/challenge, then …/cancel or …/move), never a number typed here.
 */
"use strict";

(() => {
  const { byId, el, show } = Dom;
  const { say, refusal, once } = BookUi;
  const code = document.body.dataset.code;
  const STATUS = {
    booked: "已预约",
    checked_in: "已签到",
    late: "已签到（迟到）",
    cancelled: "已取消",
    no_show: "已过期未到",
  };
  const state = { booking: null, offer: null, purpose: null, slot: null, challenge: null };
  const api = (path) => `/api/appointments/${encodeURIComponent(code)}${path}`;

  function note(text) {
    byId("note").textContent = text;
    show("note", Boolean(text));
  }

  const when = (b) => BookSlots.when(b.slot_start, b.slot_end, state.offer && state.offer.today);
  function render(b) {
    state.booking = b;
    const root = Api.root();
    byId("m-code").textContent = b.code;
    byId("m-status").textContent = STATUS[b.status] || "状态未知";
    byId("m-qr").src = `${root}/qr.svg?data=${encodeURIComponent(b.code)}`;
    show("m-qr", b.status === "booked");
    byId("m-ics").href = `${root}${api(".ics")}`;
    const facts = [
      ["事项", b.service_name],
      ["时间", when(b)],
      ["地点", b.hall_name],
      ["预约人", b.name_masked],
      ["证件", b.id_masked],
      ["手机", b.phone_masked],
    ];
    Dom.fillMaterials(byId("m-materials"), b.checklist || b.materials);
    byId("m-facts").replaceChildren(...facts.map(([k, v]) => el("div", null, [el("dt", null, k), el("dd", null, v)])));
    show("m-actions", b.status === "booked");
    byId("hall-name").textContent = b.hall_name;
    byId("new-booking").href = `${root}/book/${encodeURIComponent(b.hall)}`;
    const item = state.offer && state.offer.categories.flatMap((c) => c.items).find((i) => i.code === b.service);
    const foreign = b.document_type !== "resident_id" || (item && item.category === "exit_entry");
    document.body.classList.toggle("bilingual", Boolean(foreign));
    show("booking", true);
  }

  function home() {
    show("move-box", false);
    show("verify-box", false);
    show("booking", true);
    say("");
  }

  // ------------------------------------------------------------ cancel and move

  function verify(purpose, title, what) {
    state.purpose = purpose;
    state.challenge = null;
    byId("verify-title").textContent = title;
    byId("verify-what").textContent = what;
    byId("apply").textContent = purpose === "cancel" ? "确认取消预约" : "确认改约";
    byId("otp").value = "";
    show("code-box", false);
    show("send-code", true);
    show("verify-box", true);
    say("");
    note("");
  }

  function toCancel() {
    show("move-box", false);
    verify("cancel", "取消预约", "取消后该时段将释放给他人；如需办理，请重新预约。验证码将发送到预约时登记的手机。");
  }

  function back() {
    if (state.purpose !== "move") return home();
    show("verify-box", false);
    show("booking", true);
    show("move-box", true);
  }

  function toMove() {
    state.slot = null;
    show("verify-box", false);
    show("move-box", true);
    note("");
    BookSlots.mount(byId("slot-picker"), {
      hall: state.booking.hall,
      service: state.booking.service,
      days: state.offer.days,
      today: state.offer.today,
      current: state.booking.slot_start,
      onPick: (slot) => {
        state.slot = slot;
        if (!slot) return show("verify-box", false);
        verify("move", `改约到 ${BookSlots.when(slot.start, slot.end, state.offer.today)}`, "原时段将释放给他人。验证码将发送到预约时登记的手机。");
        // The day's slots fold away: the code is what is left to do.
        show("move-box", false);
        show("booking", false);
        window.scrollTo(0, 0);
      },
    });
  }

  async function sendCode() {
    const reply = await Api.call("POST", api("/challenge"), { purpose: state.purpose });
    if (!reply.ok && reply.data.error === "booking_without_phone" && state.purpose === "cancel") {
      return changed(await Api.call("POST", api("/cancel"), {})); // booked before phones were verified
    }
    if (!reply.ok) return say(refusal(reply));
    state.challenge = reply.data.challenge;
    byId("code-sent").textContent = reply.data.message;
    show("send-code", false);
    show("code-box", true);
    say("");
    byId("otp").focus();
  }

  async function apply() {
    const answer = byId("otp").value.trim();
    if (!/^\d{6}$/.test(answer)) return say("请输入短信中的6位数字验证码");
    const body = { challenge: state.challenge, code: answer };
    const reply = state.purpose === "cancel"
      ? await Api.call("POST", api("/cancel"), body)
      : await Api.call("POST", api("/move"), { ...body, slot: state.slot.start });
    changed(reply);
  }

  /** The answer to a cancel or a move: the booking as it now is, or the refusal. */
  function changed(reply) {
    if (!reply.ok) return say(refusal(reply));
    render(reply.data);
    home();
    note(state.purpose === "cancel" ? "预约已取消" : `已改约至 ${when(reply.data)}`);
  }

  async function start() {
    const reply = await Api.call("GET", api(""));
    show("loading", false);
    if (!reply.ok) {
      say(reply.status === 404 ? "没有这个预约码，请核对网址或预约短信" : refusal(reply));
      byId("new-booking").href = `${Api.root()}/book/${encodeURIComponent(document.body.dataset.hall)}`;
      return;
    }
    const offer = await Api.call("GET", `/api/halls/${encodeURIComponent(reply.data.hall)}/booking`);
    state.offer = offer.ok ? offer.data : null;
    byId("to-move").disabled = !state.offer;
    render(reply.data);
  }

  byId("to-cancel").addEventListener("click", toCancel);
  byId("to-move").addEventListener("click", toMove);
  byId("send-code").addEventListener("click", once(sendCode));
  byId("apply").addEventListener("click", once(apply));
  byId("verify-back").addEventListener("click", back);
  start();
})();
