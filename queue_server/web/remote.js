/*
 * 线上取号 from a phone (/remote/{hall}): pick an item the hall lets phones
 * queue for (GET /api/halls/{hall}/remote-tickets), give the phone, confirm
 * with the texted code; the page then opens the ticket's status page, which
 * keeps its id for the door QR (remote-store.js).
 *
 * Test hooks on <body>: data-state (loading | closed | ask | confirm).
 */
(function () {
  "use strict";

  const { byId, el, setText, show } = Dom;
  const body = document.body;
  const path = `/api/halls/${encodeURIComponent(body.dataset.hall)}/remote-tickets`;
  let offer = null;
  let challenge = null;

  function state(name) {
    body.dataset.state = name;
    show("loading", name === "loading");
    show("closed", name === "closed");
    show("ask", name === "ask");
    show("confirm", name === "confirm");
  }

  function say(text) {
    setText("message", text || "");
    show("message", Boolean(text));
  }

  async function load() {
    const result = await Api.call("GET", path);
    if (!result.ok) {
      setText("closed-text", result.data.message);
      return state("closed");
    }
    offer = result.data;
    setText("hall-name", `${offer.hall_name} · 线上取号`);
    if (!offer.open || !offer.services.length) {
      setText("closed-text", offer.message || "本大厅暂未开放线上取号，请到大厅取号机取号");
      return state("closed");
    }
    byId("service").replaceChildren(
      ...offer.services.map((s) => {
        const option = el("option", null, s.name);
        option.value = s.code;
        return option;
      }),
    );
    setText(
      "rule",
      `取号后请尽快到大厅，扫描门口二维码或在取号机签到后才会叫号；轮到您时尚未签到，号码保留 ${offer.grace_min} 分钟，逾时作废。`,
    );
    materials();
    state("ask");
  }

  function materials() {
    const chosen = offer.services.find((s) => s.code === byId("service").value);
    Dom.fillMaterials(byId("materials"), chosen ? chosen.materials : []);
  }

  async function send(event) {
    event.preventDefault();
    say("");
    const request = { service: byId("service").value, phone: byId("phone").value.trim() };
    const idNumber = byId("id-number").value.trim();
    if (idNumber) request.id_number = idNumber;
    byId("send").disabled = true;
    const result = await Api.call("POST", path, request);
    byId("send").disabled = false;
    if (!result.ok) return say(result.data.message);
    challenge = result.data.challenge;
    setText("sent", result.data.message);
    state("confirm");
    byId("code").focus();
  }

  async function take(event) {
    event.preventDefault();
    say("");
    byId("take").disabled = true;
    const result = await Api.call("POST", `${path}/confirm`, { challenge, code: byId("code").value.trim() });
    byId("take").disabled = false;
    if (!result.ok) return say(result.data.message);
    RemoteStore.remember(result.data.id);
    window.location.assign(`${body.dataset.base || ""}/t/${encodeURIComponent(result.data.id)}`);
  }

  byId("service").addEventListener("change", materials);
  byId("ask").addEventListener("submit", send);
  byId("confirm").addEventListener("submit", take);
  load();
})();
