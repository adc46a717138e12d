/*
 * The rating form (好差评), one module for the three surfaces facing the visitor:
 * the evaluator beside the window (rate.js), the holder's phone page (status.js)
 * and the ticket machine (kiosk-feedback.js). Style: rating-form.css.
 *
 *   RatingForm.mount(el, opts)  the form alone: five grades; 不满意 and 非常不满意
 *                               open a second step (the hall's reasons, at least
 *                               one; an optional text; an optional call-back phone)
 *   RatingForm.open(el, opts)   the form for a ticket as its holder sees it: asks
 *                               GET /api/tickets/{id}/rating first, then shows the
 *                               rating given (and 「修改评价」 while it may change)
 *                               or the form; says why when it cannot be rated
 *   RatingForm.load(ticketId)   that GET, checked: {ok, info} or {ok: false, message, status}
 *
 * opts: ticketId; info (the GET's answer, else the form asks for it itself);
 * layout: "wide" (evaluator), "phone", "kiosk"; keypad: an on-screen digit pad
 * for the phone number (touch screens without a keyboard); via: "sms";
 * onDone({score, name, changed}); onConflict(result) (a 409; return true when
 * handled); onActivity() (each touch: the surface's idle timer).
 *
 * Every answer is checked before use: a malformed one falls back to the
 * national list of grades and reasons, or says so in Chinese; never a blank.
 * Text is set with textContent only.
 */
const RatingForm = (() => {
  "use strict";

  // GB/T 39734: five grades, best first; 1 and 2 are 差评.
  const GRADES = [
    { score: 5, name: "非常满意" },
    { score: 4, name: "满意" },
    { score: 3, name: "基本满意" },
    { score: 2, name: "不满意" },
    { score: 1, name: "非常不满意" },
  ];
  const BAD = [1, 2];
  const REASONS = ["服务态度", "办事效率", "办事流程", "材料要求", "服务环境", "其他"];
  const STATUS_ZH = {
    waiting: "等候中", called: "已叫号", serving: "办理中", done: "已办结", no_show: "已过号",
    cancelled: "已取消", transferred: "已转办", suspended: "挂起", unserved: "未办理",
  };
  const COMMENT_MAX = 500;
  const SVG = "http://www.w3.org/2000/svg";

  // ------------------------------------------------------------ small helpers

  function el(tag, className, content, attrs) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (Array.isArray(content)) node.append(...content.filter(Boolean));
    else if (content !== undefined && content !== null) node.textContent = String(content);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, String(v));
    return node;
  }

  function button(className, content, onClick, attrs) {
    const node = el("button", className, content, { type: "button", ...attrs });
    node.addEventListener("click", onClick);
    return node;
  }

  function svg(tag, attrs) {
    const node = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
    return node;
  }

  /** A face for a grade: the mouth bends from a wide smile (5) to a deep frown (1). */
  function face(score) {
    const icon = svg("svg", { viewBox: "0 0 48 48", class: `rf-face rf-face-${score}`, "aria-hidden": "true" });
    icon.append(svg("circle", { cx: 24, cy: 24, r: 22, class: "rf-face-disc" }));
    for (const x of [16, 32]) icon.append(svg("circle", { cx: x, cy: 19, r: 3, class: "rf-face-ink" }));
    const bend = { 5: 11, 4: 6, 3: 0, 2: -5, 1: -9 }[score];
    const y = bend >= 0 ? 30 : 35;
    const mouth = `M14 ${y} Q24 ${y + bend} 34 ${y}`;
    icon.append(svg("path", { d: mouth, class: "rf-face-line" }));
    if (score === 1) {
      icon.append(svg("path", { d: "M11 12 L20 15 M37 12 L28 15", class: "rf-face-line" }));
    }
    return icon;
  }

  /** An on-screen digit pad typing into `input` (touch screens without a keyboard). */
  function keypad(input, after) {
    const keys = [..."123456789"].map((k) => [k, k]).concat([["清空", "clear"], ["0", "0"], ["⌫", "back"]]);
    return el("div", "rf-keypad", keys.map(([label, key]) => button("rf-key", label, () => {
      if (key === "clear") input.value = "";
      else if (key === "back") input.value = input.value.slice(0, -1);
      else if (input.value.length < 16) input.value += key;
      if (after) after();
    }, { "data-key": key, "aria-label": key === "back" ? "删除" : label })), { "aria-label": "数字键盘" });
  }

  /** The call-back phone: a numeric keypad on phones, 16 characters at most (+ and 15 digits). */
  function phoneInput() {
    return el("input", "rf-phone-input", null, {
      type: "tel", inputmode: "numeric", autocomplete: "tel", maxlength: 16,
      placeholder: "选填，如 138 0000 0000", "aria-label": "回访电话",
    });
  }

  /** The digits of a phone as typed, spaces and dashes dropped. */
  function phoneDigits(text) {
    return String(text || "").replace(/[\s-]/g, "");
  }

  /** Whether the server will take it (otp.normalise_phone): a mainland mobile or +E.164. */
  function phoneOk(text) {
    const phone = phoneDigits(text).replace(/^\+86/, "");
    return /^1[3-9]\d{9}$/.test(phone) || /^\+[1-9]\d{7,14}$/.test(phone);
  }

  function say(result, what) {
    const data = (result && result.data) || {};
    if (result && result.status === 0) return "网络连接失败，请稍后重试";
    if (result && result.status >= 500) return `服务器暂时无法处理${what}，请稍后重试`;
    const message = typeof data.message === "string" && data.message ? data.message : "";
    return message || `${what}未成功（${result ? result.status : 0}）`;
  }

  // ------------------------------------------------------------ the answer, checked

  function gradeName(score) {
    const found = GRADES.find((g) => g.score === score);
    return found ? found.name : "";
  }

  /** The GET's answer made safe to draw: anything malformed falls back or drops out. */
  function normalise(data) {
    const d = data && typeof data === "object" ? data : {};
    const reasons = Array.isArray(d.reasons)
      ? d.reasons.filter((r) => typeof r === "string" && r.trim()).slice(0, 20)
      : [];
    const r = d.rating && typeof d.rating === "object" ? d.rating : null;
    const score = r && Number.isInteger(r.score) && r.score >= 1 && r.score <= 5 ? r.score : null;
    const until = r && typeof r.changeable_until === "string" ? Date.parse(r.changeable_until) : NaN;
    return {
      number: typeof d.number === "string" ? d.number : "",
      status: typeof d.status === "string" ? d.status : "",
      reasons: reasons.length ? reasons : REASONS,
      rating: score === null ? null : {
        score,
        name: gradeName(score),
        reasons: Array.isArray(r.reasons) ? r.reasons.filter((x) => typeof x === "string") : [],
        phone: typeof r.callback_phone === "string" ? r.callback_phone : "",
        until: Number.isFinite(until) ? until : null,
      },
    };
  }

  async function load(ticketId) {
    const result = await Api.call("GET", `/api/tickets/${encodeURIComponent(ticketId)}/rating`);
    if (result.ok && result.data && typeof result.data === "object") {
      return { ok: true, info: normalise(result.data) };
    }
    if (result.status === 404) return { ok: false, status: 404, message: "找不到这张号票，请核对后重试" };
    if (result.ok) return { ok: false, status: 200, message: "服务器的答复无法识别，请稍后重试" };
    return { ok: false, status: result.status, message: say(result, "查询") };
  }

  // ------------------------------------------------------------ the form

  function classes(o) {
    return `rf rf-${o.layout || "phone"}${o.dark ? " rf-dark" : ""}`;
  }

  function mount(container, opts) {
    const o = opts || {};
    const root = el("div", classes(o));
    container.replaceChildren(root);
    let info = o.info || null;
    let step = "grades";
    let score = null;
    let sending = false;
    const chosen = new Set();
    const phone = phoneInput();
    const comment = el("textarea", "rf-comment", null, {
      maxlength: COMMENT_MAX, rows: 2, placeholder: "选填：请告诉我们具体情况", "aria-label": "补充说明",
    });
    const error = el("p", "rf-error", null, { role: "alert" });
    error.hidden = true;
    root.addEventListener("pointerdown", () => o.onActivity && o.onActivity());
    root.addEventListener("input", () => {
      fail("");
      if (o.onActivity) o.onActivity();
    });
    if (!info) {
      load(o.ticketId).then((loaded) => {
        if (loaded.ok) info = loaded.info;
        if (step === "reasons") drawReasons(); // the hall's own list, once it arrives
      });
    }

    function fail(text) {
      error.textContent = text;
      error.hidden = !text;
    }

    function drawGrades() {
      step = "grades";
      const grades = GRADES.map((g) => button(
        `rf-grade rf-grade-${g.score}`,
        [face(g.score), el("span", "rf-grade-name", g.name)],
        () => choose(g.score),
        { "data-score": g.score },
      ));
      root.replaceChildren(...[
        el("h2", "rf-title", o.title || "请您对本次服务进行评价"),
        el("div", "rf-grades", grades, { role: "group", "aria-label": "评价等级" }),
        error,
        o.onCancel ? button("rf-link", "取消修改", o.onCancel, { "data-action": "cancel" }) : null,
      ].filter(Boolean));
      fail("");
    }

    function choose(value) {
      if (sending) return;
      if (BAD.includes(value)) {
        score = value;
        chosen.clear();
        drawReasons();
        return;
      }
      send(value, [], null, null);
    }

    function drawReasons() {
      step = "reasons";
      const reasons = (info && info.reasons) || REASONS;
      for (const r of [...chosen]) if (!reasons.includes(r)) chosen.delete(r);
      const chips = reasons.map((r) => {
        const chip = button("rf-chip", r, () => {
          if (chosen.has(r)) chosen.delete(r);
          else chosen.add(r);
          chip.setAttribute("aria-pressed", String(chosen.has(r)));
          if (chosen.size) fail("");
        }, { "aria-pressed": chosen.has(r), "data-reason": r });
        return chip;
      });
      const head = el("div", "rf-chosen", [
        face(score),
        el("span", "rf-chosen-name", `您的评价：${gradeName(score)}`),
        button("rf-link", "重新选择", drawGrades, { "data-action": "regrade" }),
      ]);
      const left = el("div", "rf-col", [
        el("p", "rf-label", "请选择原因（可多选，至少一项）"),
        el("div", "rf-chips", chips, { role: "group", "aria-label": "差评原因" }),
        el("p", "rf-label", "补充说明（选填）"),
        comment,
      ]);
      const right = el("div", "rf-col", [
        el("p", "rf-label", "回访电话（选填）"),
        phone,
        el("p", "rf-hint", "留下电话，工作人员核实整改后回访您；号码不会公开显示"),
        o.keypad ? keypad(phone, () => fail("")) : null,
        button("rf-submit", "提交评价", submit, { "data-action": "submit" }),
      ]);
      root.replaceChildren(head, el("div", "rf-step2", [left, right]), error);
    }

    function submit() {
      if (!chosen.size) {
        fail("请至少选择一项原因");
        return;
      }
      const typed = phoneDigits(phone.value);
      if (typed && !phoneOk(typed)) {
        fail("请填写正确的手机号码（11 位），或留空");
        return;
      }
      send(score, [...chosen], comment.value.trim() || null, typed || null);
    }

    async function send(value, reasons, text, callback) {
      if (sending) return;
      sending = true;
      root.dataset.busy = "true";
      for (const b of root.querySelectorAll("button")) b.disabled = true;
      const body = { score: value, reasons };
      if (text) body.comment = text.slice(0, COMMENT_MAX);
      if (callback) body.callback_phone = callback;
      if (o.via === "sms") body.via = "sms";
      const path = `/api/tickets/${encodeURIComponent(o.ticketId)}/rating`;
      const result = await Api.call("POST", path, body);
      sending = false;
      root.dataset.busy = "false";
      for (const b of root.querySelectorAll("button")) b.disabled = false;
      if (result.ok) {
        const changed = Boolean(result.data && result.data.changed);
        if (o.onDone) o.onDone({ score: value, name: gradeName(value), changed, callback: Boolean(callback) });
        return;
      }
      if (result.status === 409 && o.onConflict && o.onConflict(result)) return;
      fail(say(result, "评价提交"));
    }

    drawGrades();
    return {
      step: () => (sending ? "sending" : step),
      rate: (value) => step === "grades" && choose(value),
      destroy: () => container.replaceChildren(),
    };
  }

  // ------------------------------------------------------------ for the holder

  /** The rating given: its grade, reasons and masked call-back phone. */
  function summary(rating) {
    const facts = [el("span", "rf-given-grade", [face(rating.score), el("span", null, rating.name)])];
    if (rating.reasons.length) facts.push(el("span", "rf-given-line", `原因：${rating.reasons.join("、")}`));
    if (rating.phone) facts.push(el("span", "rf-given-line", `回访电话：${rating.phone}`));
    return el("div", "rf-given", facts);
  }

  function minutesLeft(until) {
    return Math.max(1, Math.ceil((until - Date.now()) / 60000));
  }

  /**
   * The ticket's rating for its holder (phone page, kiosk): loads, then shows
   * the form, the rating given or why it cannot be rated. `opts.note` is a
   * line shown above a given rating (the thanks after sending); opts.onDone
   * runs after a rating is taken, before the panel shows it.
   */
  async function open(container, opts) {
    const o = opts || {};
    const root = el("div", `${classes(o)} rf-panel`);
    root.append(el("p", "rf-wait", "正在查询评价…"));
    container.replaceChildren(root);
    const loaded = await load(o.ticketId);
    if (!loaded.ok) {
      const retry = button("rf-link", "重试", () => open(container, o), { "data-action": "retry" });
      root.replaceChildren(el("p", "rf-error", loaded.message, { role: "alert" }), loaded.status === 404 ? null : retry);
      return { ok: false };
    }
    const info = loaded.info;
    if (info.status && info.status !== "done") {
      const state = STATUS_ZH[info.status] || "未办结";
      // Still in the queue: it will be rated; cancelled, missed or unserved: never (as the server says).
      const later = ["waiting", "called", "serving", "suspended"].includes(info.status);
      const text = `${info.number} 号当前为「${state}」，${later ? "业务办结后才能评价" : "没有办结的业务可以评价"}`;
      root.replaceChildren(el("p", "rf-note", text, { role: "status" }));
      return { ok: true, info };
    }
    const again = (note) => open(container, { ...o, note });
    const done = (result) => {
      if (o.onDone && o.onDone(result)) return; // the surface takes over (the kiosk's thanks)
      again(result.changed ? "评价已修改，感谢您的反馈" : "感谢您的评价！");
    };
    const conflict = (result) => {
      again(say(result, "评价"));
      return true;
    };
    const form = (title, onCancel) =>
      mount(container, { ...o, info, title, onCancel, onDone: done, onConflict: conflict });
    if (!info.rating) {
      form();
      return { ok: true, info };
    }
    const parts = [
      o.note ? el("p", "rf-thanks", o.note, { role: "status" }) : null,
      el("h2", "rf-title", "您的评价"),
      summary(info.rating),
    ];
    if (info.rating.until && info.rating.until > Date.now()) {
      parts.push(el("p", "rf-hint", `${minutesLeft(info.rating.until)} 分钟内可以修改`));
      parts.push(button("rf-link rf-change", "修改评价", () => form("修改评价：请重新选择", () => again("")), { "data-action": "change" }));
    } else {
      parts.push(el("p", "rf-hint", "评价已提交，感谢您的反馈"));
    }
    root.replaceChildren(...parts);
    return { ok: true, info };
  }

  return Object.freeze({ mount, open, load, normalise, summary, phoneOk, face, el, button, keypad, phoneInput, GRADES, REASONS });
})();
