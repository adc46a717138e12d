// The staff sign-in page (/login?hall=…&next=…): POST /api/login sets the
// session cookie (HttpOnly: this script never sees it), then a supervisor or
// an admin goes on to `next`, else to the supervisor console, the hall's
// console (/admin/{hall}) or, for a city admin, the city view (/admin); a clerk goes on to `next` if given (the
// window's console or the 导办 desk that sent them here), else stays, told
// who is signed in.
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);
  const params = new URLSearchParams(location.search);
  const ROLE_ZH = { admin: "管理员", supervisor: "值班主管", clerk: "窗口工作人员" };

  /** Only a path of this site: never another origin, whatever `next` says. */
  function safeNext(next) {
    return next && next.startsWith("/") && !next.startsWith("//") && !next.includes("\\")
      ? next
      : null;
  }

  function show(state) {
    document.body.dataset.state = state;
    $("form").hidden = state === "signed-in";
    $("signed-in").hidden = state !== "signed-in";
  }

  async function submit(event) {
    event.preventDefault();
    const body = {
      hall: $("hall").value.trim(),
      staff_no: $("staff_no").value.trim(),
      password: $("password").value,
    };
    if (!body.hall || !body.staff_no || !body.password) {
      return refuse("请填写大厅编号、工号和密码");
    }
    $("submit").disabled = true;
    const answer = await Api.call("POST", "/api/login", body);
    $("submit").disabled = false;
    $("password").value = "";
    if (!answer.ok) return refuse(answer.data && answer.data.message);
    const member = answer.data;
    const next = safeNext(params.get("next"));
    if (member.role === "clerk" && !next) {
      // A clerk's console is a window's: which one, the address of that window says.
      $("who").textContent =
        `已登录：${member.hall} 大厅 工号 ${member.staff_no} ${member.name}（${ROLE_ZH.clerk}）。` +
        "请选择所在窗口，到叫号台签到：";
      show("signed-in");
      return listPlaces(member.hall);
    }
    const hall = encodeURIComponent(member.hall);
    const consoles = { admin: `/admin/${hall}`, city_admin: "/admin", supervisor: `/supervisor/${hall}` };
    const console_ = Api.root() + (consoles[member.role] || consoles.supervisor);
    location.assign(next || console_);
  }

  /** A clerk's ways on: each window's console, and the 导办 desk. */
  async function listPlaces(hall) {
    const answer = await Api.call("GET", `/api/halls/${encodeURIComponent(hall)}`);
    if (!answer.ok) return;
    const base = `${Api.root()}`;
    const link = (href, text) => {
      const a = document.createElement("a");
      a.href = href;
      a.textContent = text;
      return a;
    };
    const at = encodeURIComponent(hall);
    $("places").replaceChildren(
      ...answer.data.windows.map((w) => link(`${base}/window/${at}/${w.number}`, w.label || `${w.number} 号窗口`)),
      link(`${base}/guide/${at}`, "导办台"),
    );
    $("places").hidden = false;
  }

  function refuse(message) {
    $("error").textContent = message || "登录失败，请稍后重试";
    $("error").hidden = false;
    show("refused");
  }

  async function logout() {
    await Api.call("POST", "/api/logout");
    show("form");
  }

  $("form").addEventListener("submit", submit);
  $("logout").addEventListener("click", logout);
  (document.getElementById(params.get("hall") ? "staff_no" : "hall") || $("hall")).focus();
})();
