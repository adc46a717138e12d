/*
 * The pickers of the staff pages, each a modal <dialog> that resolves to the
 * choice or to null (取消, Esc, or a tap outside the buttons):
 *   StaffDialogs.transfer({ticket, catalogue, hall, fromWindow}) -> {service?, window?} | null
 *   StaffDialogs.number(waitingTickets)                           -> "A023" | null
 *   StaffDialogs.suspended(suspendedTickets)                      -> "A023" | null
 *   StaffDialogs.confirm(title, text, yes)                        -> true | null
 *   StaffDialogs.missing(ticket)                                  -> {missing, due?} | null
 * Only one is open at a time; every target is finger-sized.
 */
const StaffDialogs = (() => {
  "use strict";

  const { el, button } = StaffUi;
  let current = null; // {dialog, resolve}

  function open(title, build) {
    close(null);
    return new Promise((resolve) => {
      const dialog = el("dialog", "picker", [el("h2", "picker-title", title)], { "aria-label": title });
      const done = (value) => close(value);
      // build() gives the body's nodes, or {content, actions} to put buttons beside 取消.
      const built = build(done);
      const { content, actions } = Array.isArray(built) ? { content: built, actions: [] } : built;
      const cancel = button("picker-cancel", "取消（Esc）", () => done(null));
      dialog.append(el("div", "picker-body", content), el("div", "picker-foot", [...actions, cancel]));
      dialog.addEventListener("cancel", (e) => {
        e.preventDefault();
        done(null);
      });
      document.body.append(dialog);
      current = { dialog, resolve };
      dialog.showModal();
      const first = dialog.querySelector("input, .picker-body button:not(:disabled)");
      if (first) first.focus();
    });
  }

  function close(value) {
    if (!current) return;
    const { dialog, resolve } = current;
    current = null;
    dialog.close();
    dialog.remove();
    resolve(value);
  }

  function ticketButton(t, onPick, note) {
    return button("pick-ticket", [
      el("b", "pick-number", t.number),
      t.green_channel ? el("span", "badge green", "绿色通道") : null,
      el("span", "pick-service", t.service_name),
      el("span", "pick-note", note),
    ], () => onPick(t.number), { "data-number": t.number });
  }

  // ------------------------------------------------------------ 指定叫号

  function number(waiting) {
    return open("指定叫号", (done) => {
      const input = el("input", "pick-input", null, {
        type: "text",
        inputmode: "text",
        autocomplete: "off",
        placeholder: "输入号码，如 A023",
        "aria-label": "号码",
        maxlength: 40,
      });
      const go = button("pick-go primary", "叫此号（Enter）", () => {
        const value = input.value.trim().toUpperCase();
        if (value) done(value);
      });
      input.addEventListener("keydown", (e) => {
        if (e.key === "Enter") go.click();
      });
      const list = waiting.map((t) =>
        ticketButton(t, done, `已等 ${StaffCore.formatDuration(t.waited_s)}`));
      return [
        el("div", "pick-row", [input, go]),
        el("h3", "picker-sub", waiting.length ? "本窗口可办的等候号码" : "本窗口暂无等候号码"),
        el("div", "pick-list", list),
      ];
    });
  }

  // ------------------------------------------------------------ 恢复挂起

  function suspended(tickets) {
    return open("恢复挂起号（回到队首）", (done) => {
      if (!tickets.length) return [el("p", "picker-empty", "当前没有挂起的号码")];
      return [el("div", "pick-list", tickets.map((t) => ticketButton(t, done, "挂起中")))];
    });
  }

  // ------------------------------------------------------------ 转办

  /**
   * Transfer to a service of the hall's catalogue, to another window, or both.
   * `catalogue` is GET /api/services, `hall` GET /api/halls/{hall}; windows that
   * do not take the chosen service are shown but cannot be picked.
   */
  function transfer({ ticket, catalogue, hall, fromWindow }) {
    return open(`转办 ${ticket.number || ""}`.trim(), (done) => {
      const choice = { service: null, window: null };
      const offered = new Set(hall.services);
      const services = catalogue.services.filter((s) => offered.has(s.code));
      const categories = catalogue.categories.filter((c) => services.some((s) => s.category === c.code));
      let category = ticket.category && categories.some((c) => c.code === ticket.category)
        ? ticket.category
        : (categories[0] || {}).code;

      const tabs = el("div", "pick-tabs");
      const serviceList = el("div", "pick-grid");
      const windowList = el("div", "pick-grid windows");
      const summary = el("p", "pick-summary");
      const go = button("pick-go primary", "确定转办", () => {
        if (choice.service || choice.window) done({ ...choice });
      });

      // The service the visitor would go on with: the one picked, else their own
      // (unknown to a supervisor who opened the page after the call: then any window may do).
      function chosenService() {
        const code = choice.service || ticket.service;
        return code ? services.find((s) => s.code === code) || { code, category: ticket.category } : null;
      }

      // Buttons are redrawn after each pick; the focused one gets the focus back,
      // so a keyboard user does not fall out of the list.
      function draw() {
        const focused = document.activeElement && document.activeElement.dataset
          ? document.activeElement.dataset.pick
          : undefined;
        redraw();
        const again = focused && [...tabs.parentNode.querySelectorAll("[data-pick]")]
          .find((n) => n.dataset.pick === focused);
        if (again) again.focus();
      }

      function pick(className, selected, content, onPick, attributes) {
        return button(selected ? `${className} selected` : className, content, () => {
          onPick();
          draw();
        }, { ...attributes, "aria-pressed": String(selected) });
      }

      function redraw() {
        const target = chosenService();
        const able = (w) => !target || StaffCore.accepts(w, target.code, target.category);
        const picked = hall.windows.find((w) => w.number === choice.window);
        if (picked && !able(picked)) choice.window = null; // the new service is not theirs
        tabs.replaceChildren(...categories.map((c) => pick(
          "pick-tab", c.code === category, c.name,
          () => { category = c.code; },
          { "data-pick": `category:${c.code}` },
        )));
        serviceList.replaceChildren(...services.filter((s) => s.category === category).map((s) => pick(
          "pick-service-item", s.code === choice.service, s.name,
          () => { choice.service = choice.service === s.code ? null : s.code; },
          { "data-service": s.code, "data-pick": `service:${s.code}` },
        )));
        windowList.replaceChildren(...hall.windows.filter((w) => w.number !== fromWindow).map((w) => pick(
          "pick-window", w.number === choice.window,
          [el("b", null, w.label), able(w) ? null : el("span", "pick-note", "不办理该业务")],
          () => { choice.window = choice.window === w.number ? null : w.number; },
          { "data-window": w.number, "data-pick": `window:${w.number}`, disabled: !able(w) },
        )));
        const parts = [];
        if (choice.service) parts.push(`业务：${target.name}`);
        if (choice.window) parts.push(`窗口：${choice.window}号`);
        summary.textContent = parts.length ? `转至 ${parts.join("，")}` : "请选择业务或窗口（可只选其一）";
        go.disabled = !parts.length;
      }
      redraw();
      return {
        content: [
          el("h3", "picker-sub", "转至业务"),
          tabs,
          serviceList,
          el("h3", "picker-sub", "转至窗口（可选）"),
          windowList,
        ],
        actions: [summary, go],
      };
    });
  }

  // ------------------------------------------------------------ 容缺受理

  /** The materials still missing (ticked from the item's list, or typed) and
   * the date they are due; left empty, the server sets five working days on. */
  function missing(ticket) {
    return open(`容缺受理 ${ticket.number || ""}`.trim(), (done) => {
      const boxes = (ticket.materials || []).map((m) => el("label", "pick-check", [
        el("input", null, null, { type: "checkbox", value: m }), el("span", null, m),
      ]));
      const other = el("input", "pick-input", null, {
        type: "text", maxlength: 120, placeholder: "其他所缺材料（可选）", "aria-label": "其他所缺材料",
      });
      const due = el("input", "pick-input pick-date", null, {
        type: "date", "aria-label": "补交截止日期", min: new Date(Date.now() + 86400000).toISOString().slice(0, 10),
      });
      const summary = el("p", "pick-summary", "请勾选或填写所缺材料");
      const chosen = () => [
        ...boxes.map((b) => b.querySelector("input")).filter((i) => i.checked).map((i) => i.value),
        ...(other.value.trim() ? [other.value.trim()] : []),
      ];
      const go = button("pick-go primary", "容缺受理并办结", () => {
        const list = chosen();
        if (list.length) done(due.value ? { missing: list, due: due.value } : { missing: list });
      });
      const update = () => {
        const n = chosen().length;
        go.disabled = !n;
        summary.textContent = n ? `缺 ${n} 项材料，补交期限：${due.value || "5 个工作日内"}` : "请勾选或填写所缺材料";
      };
      for (const node of [...boxes, other, due]) node.addEventListener("input", update);
      update();
      return {
        content: [
          el("h3", "picker-sub", "所缺的非核心材料"),
          el("div", "pick-checks", boxes.length ? boxes : [el("p", "picker-empty", "该事项无材料清单，请在下方填写")]),
          other,
          el("h3", "picker-sub", "补交截止日期（不填为 5 个工作日）"),
          due,
        ],
        actions: [summary, go],
      };
    });
  }

  // ------------------------------------------------------------ confirm

  function confirm(title, text, yes) {
    return open(title, (done) => ({
      content: [el("p", "picker-text", text)],
      actions: [button("pick-go danger", yes, () => done(true))],
    }));
  }

  return Object.freeze({ number, suspended, transfer, confirm, missing, close: () => close(null) });
})();
