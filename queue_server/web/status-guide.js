/*
 * The holder's page (/t/{id}) and the 办事指引 of the ticket's item: kept apart
 * from status.js, which draws the ticket itself.
 *
 * GET /api/tickets/{id}/checklist once: with answers (given at the kiosk or
 * with the booking), the personal 收件清单 they made; with a tree and no
 * answers, the tree to walk here (guide-tree.js), nothing sent back: the list
 * it makes is for the visitor's eyes. Either way, once a personal list shows,
 * the page's generic list (#materials-box) steps aside: <body data-guide="own">.
 * Shown only while the ticket is live (status.js keeps <body data-status>).
 */
(function () {
  "use strict";

  const FINAL = new Set(["done", "no_show", "cancelled", "unserved"]);
  const body = document.body;
  const box = document.getElementById("guide-box");

  function live() {
    return Boolean(body.dataset.status) && !FINAL.has(body.dataset.status);
  }

  function follow() {
    box.hidden = !box.dataset.ready || !live();
  }

  function showMine(info) {
    const heading = document.getElementById("guide-title");
    heading.textContent = info.answers_complete === false ? "您的收件清单（办事指引未答完）" : "您的收件清单";
    const answers = document.getElementById("guide-answers");
    answers.replaceChildren(
      ...info.answers.map((a) => {
        const row = document.createElement("li");
        const q = document.createElement("span");
        const v = document.createElement("b");
        q.textContent = a.question;
        v.textContent = a.answer;
        row.append(q, v);
        return row;
      }),
    );
    Dom.fillMaterials(document.getElementById("guide-list"), info.checklist);
    body.dataset.guide = "own";
  }

  function offerTree(info) {
    document.getElementById("guide-title").textContent = "办事指引";
    const mount = document.getElementById("guide-tree");
    GuideTree.mount(mount, info.guide, info.materials, (s) => {
      body.dataset.guide = s.complete ? "own" : "";
    }, { title: "回答几个简单问题，看看您需要带哪些材料（仅在本页显示）" });
  }

  async function start() {
    const result = await Api.call("GET", `/api/tickets/${encodeURIComponent(body.dataset.ticket)}/checklist`);
    if (!result.ok || !result.data) return; // the ticket's own page says what is wrong
    const info = result.data;
    if (Array.isArray(info.answers) && info.answers.length) showMine(info);
    else if (info.guide) offerTree(info);
    else return;
    box.dataset.ready = "1";
    follow();
  }

  new MutationObserver(follow).observe(body, { attributes: true, attributeFilter: ["data-status"] });
  start();
})();
