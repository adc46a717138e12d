/*
 * 「办不成事」: the visitor says a matter could not be done. One form for the
 * holder's phone page (with its ticket) and the ticket machine (its token,
 * a ticket if one was scanned, the item chosen from the kiosk's list if the
 * visitor likes). POST /api/halls/{hall}/cases {ticket_id?, service?,
 * comment, callback_phone?} -> 201 {id, status, due_date}. Style: rating-form.css.
 *
 *   CaseForm.mount(el, {hall, ticketId?, services?: [{code, name, group}],
 *                       layout, keypad, onDone({id, due_date}), onCancel, onActivity})
 *
 * The common situations are one tap each (a kiosk has no keyboard for Chinese);
 * the text box takes anything more. The answer is checked before use.
 */
const CaseForm = (() => {
  "use strict";

  const COMMENT_MAX = 500;
  const QUICK = ["材料不全，无法受理", "不符合办理条件", "系统故障，办不了", "窗口说不受理这个事项", "要求来回跑多次", "不知道该去哪里办"];

  const { el, button, keypad, phoneInput } = RatingForm; // rating-form.js loads first

  /** The item picker: a native list, grouped by category (long catalogues scroll there). */
  function picker(services) {
    const select = el("select", "rf-select", null, { "aria-label": "办理事项" });
    select.append(el("option", null, "（不选择事项）", { value: "" }));
    const groups = new Map();
    for (const s of services) {
      if (!s || typeof s.code !== "string" || typeof s.name !== "string") continue;
      const group = s.group || "其他";
      if (!groups.has(group)) groups.set(group, el("optgroup", null, null, { label: group }));
      groups.get(group).append(el("option", null, s.name, { value: s.code }));
    }
    select.append(...groups.values());
    return select;
  }

  function mount(container, opts) {
    const o = opts || {};
    const root = el("div", `rf rf-${o.layout || "phone"} rf-case`);
    const comment = el("textarea", "rf-comment", null, {
      maxlength: COMMENT_MAX, rows: 3, placeholder: "请简要说明哪件事没办成、为什么", "aria-label": "没办成的事",
    });
    const phone = phoneInput();
    const error = el("p", "rf-error", null, { role: "alert" });
    error.hidden = true;
    const services = Array.isArray(o.services) && o.services.length ? picker(o.services) : null;
    let sending = false;

    const fail = (text) => {
      error.textContent = text;
      error.hidden = !text;
    };
    const quick = QUICK.map((text) => button("rf-chip", text, () => {
      const now = comment.value.trim();
      if (!now.includes(text)) comment.value = now ? `${now}；${text}` : text;
      fail("");
    }, { "data-quick": text }));
    const pad = o.keypad ? keypad(phone, () => fail("")) : null;

    async function submit() {
      if (sending) return;
      const said = comment.value.trim();
      if (!said) return fail("请点选或填写没办成的事");
      const typed = phone.value.replace(/[\s-]/g, "");
      if (typed && !RatingForm.phoneOk(typed)) return fail("请填写正确的手机号码（11 位），或留空");
      const body = { comment: said.slice(0, COMMENT_MAX) };
      if (o.ticketId) body.ticket_id = o.ticketId;
      if (services && services.value) body.service = services.value;
      if (typed) body.callback_phone = typed;
      sending = true;
      root.dataset.busy = "true";
      const result = await Api.call("POST", `/api/halls/${encodeURIComponent(o.hall)}/cases`, body);
      sending = false;
      root.dataset.busy = "false";
      if (result.ok && result.data && typeof result.data === "object") {
        if (o.onDone) o.onDone({ id: result.data.id, due_date: result.data.due_date, callback: Boolean(typed) });
        return undefined;
      }
      return fail(explain(result));
    }

    root.addEventListener("pointerdown", () => o.onActivity && o.onActivity());
    root.addEventListener("input", () => o.onActivity && o.onActivity());
    root.append(
      el("h2", "rf-title", "办不成事？告诉我们"),
      el("p", "rf-hint", "您反映的问题会转给值班负责人核实处理，并在规定时限内答复。"),
      el("div", "rf-step2", [
        el("div", "rf-col", [
          services ? el("p", "rf-label", "办理的事项（选填）") : null,
          services,
          el("p", "rf-label", "没办成的事（必填，可点选）"),
          el("div", "rf-chips rf-quick", quick),
          comment,
        ]),
        el("div", "rf-col", [
          el("p", "rf-label", "回访电话（选填）"),
          phone,
          el("p", "rf-hint", "留下电话，以便工作人员联系您；号码不会公开显示"),
          pad,
          el("div", "rf-actions", [
            button("rf-submit", "提交", submit, { "data-action": "submit-case" }),
            o.onCancel ? button("rf-link", "返回", o.onCancel, { "data-action": "cancel-case" }) : null,
          ]),
        ]),
      ]),
      error,
    );
    container.replaceChildren(root);
    return { destroy: () => container.replaceChildren() };
  }

  /** What the visitor reads once the report is taken: by when it will be answered. */
  function doneText(result) {
    const due = /^(\d{4})-(\d{2})-(\d{2})$/.exec(String((result && result.due_date) || ""));
    const then = result && result.callback ? "核实处理并回访您" : "核实处理";
    if (!due) return `已收到您的反映，我们会尽快${then}`;
    return `已收到您的反映，我们将在 ${Number(due[2])} 月 ${Number(due[3])} 日前${then}`;
  }

  function explain(result) {
    if (!result || result.status === 0) return "网络连接失败，请稍后重试";
    const data = result.data || {};
    // No such route (an older server): not the visitor's fault, and not a ticket unknown.
    if ((result.status === 404 || result.status === 405) && (!data.error || data.error === "http_error")) {
      return "本大厅暂未开通网上反映，请到咨询台或值班负责人处反映";
    }
    if (result.status >= 500) return "服务器暂时无法处理，请稍后重试";
    return (typeof data.message === "string" && data.message) || `提交未成功（${result.status}）`;
  }

  return Object.freeze({ mount, doneText, QUICK });
})();
