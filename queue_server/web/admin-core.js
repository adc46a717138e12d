// The director's console (/admin/{hall}): a frame of sections. Each section
// script registers itself with AdminConsole.section({id, title, order, render});
// the core signs the caller in (session cookie, or ?token= for the server's
// admin), shows one section at a time by the address's #id, and makes every
// control read-only for a supervisor (the server refuses their writes anyway).
"use strict";

const AdminConsole = (() => {
  const $ = (id) => document.getElementById(id);
  const hall = document.body.dataset.hall;
  const sections = [];
  const ROLE_ZH = { admin: "管理员", supervisor: "值班主管（只读）", clerk: "窗口工作人员" };
  let me = null;
  let statusTimer = null;

  function section(spec) {
    sections.push(spec);
    sections.sort((a, b) => a.order - b.order);
    if (me) drawNav();
  }

  function say(message, kind = "ok") {
    const line = $("status");
    line.textContent = message;
    line.dataset.kind = kind;
    line.hidden = false;
    clearTimeout(statusTimer);
    statusTimer = setTimeout(() => { line.hidden = true; }, kind === "error" ? 10000 : 4000);
  }

  async function hallView() {
    const answer = await Api.call("GET", `/api/halls/${encodeURIComponent(hall)}`);
    if (!answer.ok) throw new Error(answer.data.message);
    return answer.data;
  }

  function context(spec, root) {
    return {
      hall,
      me,
      readOnly: me.role === "supervisor",
      call: Api.call,
      say,
      hallView,
      refresh: () => show(spec, root),
    };
  }

  async function show(spec, root) {
    root.replaceChildren();
    root.dataset.section = spec.id;
    try {
      await spec.render(root, context(spec, root));
    } catch (error) {
      const p = document.createElement("p");
      p.className = "fatal";
      p.textContent = `此栏目加载失败：${error.message || error}`;
      root.append(p);
    }
    if (me.role === "supervisor") lock(root);
  }

  /** A supervisor reads: every control but the ones marked safe is disabled. */
  function lock(root) {
    for (const el of root.querySelectorAll("input, select, textarea, button")) {
      if (!el.hasAttribute("data-readonly-ok")) el.disabled = true;
    }
  }

  function current() {
    const wanted = location.hash.slice(1);
    return sections.find((s) => s.id === wanted) || sections[0];
  }

  function drawNav() {
    const chosen = current();
    $("nav").replaceChildren(
      ...sections.map((s) => {
        const a = document.createElement("a");
        a.href = `#${s.id}`;
        a.id = `nav-${s.id}`;
        a.textContent = s.title;
        if (s === chosen) a.setAttribute("aria-current", "page");
        return a;
      }),
    );
  }

  function open() {
    if (!me || !sections.length) return;
    drawNav();
    const spec = current();
    let root = $("sections").querySelector("section");
    if (!root) {
      root = document.createElement("section");
      root.className = "section";
      $("sections").append(root);
    }
    root.id = `section-${spec.id}`;
    show(spec, root);
  }

  function fatal(message) {
    document.body.dataset.state = "refused";
    $("fatal").textContent = message;
    $("fatal").hidden = false;
    const login = $("to-login");
    login.href = `${Api.root()}/login?hall=${encodeURIComponent(hall)}&next=${encodeURIComponent(location.pathname + location.hash)}`;
    login.hidden = false;
  }

  async function start() {
    const answer = await Api.call("GET", "/api/whoami");
    if (!answer.ok) return fatal(answer.data.message);
    const who = answer.data;
    const ownHall = who.hall === null || who.hall === hall;
    if (!ownHall || !["admin", "supervisor"].includes(who.role)) {
      return fatal("只有本大厅的管理员和值班主管可以打开大厅管理（请用相应账号登录）");
    }
    // A staff session answers with its member; a token (the server's admin) without.
    me = { ...who, staff_no: who.staff ? who.staff.staff_no : null, name: who.staff ? who.staff.name : "" };
    $("who").textContent = me.staff_no
      ? `工号 ${me.staff_no} ${me.name} · ${ROLE_ZH[me.role] || me.role}`
      : `${ROLE_ZH[me.role] || me.role}（令牌）`;
    $("logout").hidden = !me.staff_no;
    $("to-city").hidden = who.hall !== null || !me.staff_no; // a city admin's way back
    $("readonly-note").hidden = who.role !== "supervisor";
    document.body.dataset.role = who.role;
    const view = await Api.call("GET", `/api/halls/${encodeURIComponent(hall)}`);
    if (!view.ok) return fatal(view.data.message); // e.g. no such hall: say so, not "no right"
    $("hall-name").textContent = `${view.data.name}（${hall}）`;
    document.body.dataset.state = "ready";
    open();
  }

  $("logout").addEventListener("click", async () => {
    await Api.call("POST", "/api/logout");
    location.assign(`${Api.root()}/login?hall=${encodeURIComponent(hall)}`);
  });
  window.addEventListener("hashchange", open);
  document.addEventListener("DOMContentLoaded", start);
  return { section, say };
})();

/** Build an element: el("td", {class: "x", text: "…"}, child, …). */
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "text") node.textContent = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  node.append(...children);
  return node;
}

/**
 * A button that acts on its second tap: the first changes its text to
 * `confirmText` (a dialog would block the page). `act()` runs with the
 * button disabled; it returns false to enable it again (a refusal).
 */
function twoTapButton(text, confirmText, act, attrs = {}) {
  const button = el("button", { type: "button", class: "danger", text, ...attrs });
  button.addEventListener("click", async () => {
    if (!button.dataset.asked) {
      button.dataset.asked = "1";
      button.textContent = confirmText;
      return;
    }
    button.disabled = true;
    if ((await act()) === false) button.disabled = false;
  });
  return button;
}
