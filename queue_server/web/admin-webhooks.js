// The console's 推送订阅 section: webhook subscriptions (GET/POST/DELETE
// /api/halls/{hall}/webhooks; docs/webhooks.md). A new subscription's secret is
// shown once, here; the deliveries are in the 外发记录 section.
"use strict";

const WEBHOOK_EVENT_ZH = {
  "ticket.issued": "取号",
  "ticket.called": "叫号",
  "ticket.recalled": "重呼",
  "ticket.started": "开始办理",
  "ticket.finished": "办结",
  "ticket.no_show": "过号",
  "ticket.transferred": "转办",
  "ticket.suspended": "挂起",
  "ticket.resumed": "恢复",
  "ticket.cancelled": "取消",
  "ticket.unserved": "未办结",
  "ticket.rated": "评价",
  "rating.bad": "差评",
  "window.opened": "窗口开启",
  "window.paused": "窗口暂停",
  "window.resumed": "窗口恢复",
  "window.closed": "窗口关闭",
  "window.updated": "窗口设置",
  "alert.raised": "预警",
  "alert.acked": "预警已处理",
  "device.status": "设备状态",
  "device.fault": "设备故障",
  "hall.closed": "日终",
  "hall.updated": "大厅信息",
};

AdminConsole.section({
  id: "webhooks",
  title: "推送订阅",
  order: 77,
  render: async (root, ctx) => {
    const hallPath = `/api/halls/${encodeURIComponent(ctx.hall)}/webhooks`;
    const listed = await ctx.call("GET", hallPath);
    if (!listed.ok) throw new Error(listed.data.message);
    const secretBox = el("div", { id: "wh-secret", class: "card", hidden: true });

    root.append(
      el("h2", { text: "推送订阅 · Webhooks" }),
      el("p", {
        class: "muted",
        text: "把本大厅发生的事（取号、叫号、差评、设备故障、预警……）推送给其他系统。每次推送都用订阅密钥签名（X-Yichuang-Signature），失败会按退避重试，每次尝试记入「外发记录」。接收方的校验方法见 docs/webhooks.md。",
      }),
      secretBox,
      el("div", { class: "card" }, hookTable(listed.data.webhooks)),
      el("div", { class: "card" }, addForm(listed.data.events)),
    );

    function hookTable(hooks) {
      const head = ["说明", "接收地址", "事件", "创建", ""].map((t) => el("th", { text: t }));
      const rows = hooks.map((h) =>
        el(
          "tr",
          { "data-webhook": h.id },
          el("td", { text: h.description || h.id }),
          el("td", { class: "wh-url", text: h.url }),
          el("td", { text: h.events.map((n) => WEBHOOK_EVENT_ZH[n] || n).join("、") }),
          el("td", { text: `${h.created_at.slice(0, 16).replace("T", " ")} · ${h.created_by}` }),
          el("td", {}, removeButton(h)),
        ),
      );
      const empty = el("tr", {}, el("td", { colspan: 5, class: "muted", text: "尚无推送订阅" }));
      return el(
        "table",
        { class: "grid", id: "webhooks-table" },
        el("thead", {}, el("tr", {}, ...head)),
        el("tbody", {}, ...(rows.length ? rows : [empty])),
      );
    }

    function removeButton(hook) {
      const remove = async () => {
        const answer = await ctx.call("DELETE", `${hallPath}/${encodeURIComponent(hook.id)}`);
        if (!answer.ok) {
          ctx.say(answer.data.message, "error");
          return false;
        }
        ctx.say(`已删除推送订阅「${hook.description || hook.id}」`);
        ctx.refresh();
      };
      return twoTapButton("删除", "确认删除", remove, { "data-testid": "webhook-remove" });
    }

    function addForm(names) {
      const url = el("input", { id: "wh-url", type: "url", maxlength: 500, placeholder: "https://…", required: true });
      const description = el("input", { id: "wh-description", maxlength: 60, placeholder: "如：市局数据中台" });
      const boxes = names.map((name) =>
        el(
          "label",
          { class: "wh-event", title: name },
          el("input", { type: "checkbox", value: name }),
          ` ${WEBHOOK_EVENT_ZH[name] || name} `,
          el("code", { text: name }),
        ),
      );
      const add = el("button", { id: "wh-add", type: "submit", class: "primary", text: "订阅" });
      const form = el(
        "form",
        { id: "wh-form" },
        el("h3", { text: "新增订阅" }),
        el(
          "div",
          { class: "row" },
          el("label", { class: "field" }, "接收地址", url),
          el("label", { class: "field" }, "说明", description),
        ),
        el("fieldset", { class: "wh-events" }, el("legend", { text: "推送的事件" }), ...boxes),
        el("div", { class: "row" }, add),
      );
      form.addEventListener("submit", async (event) => {
        event.preventDefault();
        const events = boxes.map((b) => b.querySelector("input")).filter((i) => i.checked).map((i) => i.value);
        if (!events.length) return ctx.say("请至少选择一个事件", "error");
        add.disabled = true;
        const body = { url: url.value.trim(), events, description: description.value.trim() };
        const answer = await ctx.call("POST", hallPath, body);
        add.disabled = false;
        if (!answer.ok) return ctx.say(answer.data.message, "error");
        ctx.say(`已订阅：${answer.data.url}`);
        showSecret(answer.data);
      });
      return form;
    }

    /** The secret, this once; the list refreshes when the admin has copied it. */
    function showSecret(made) {
      secretBox.replaceChildren(
        el("h3", { text: "订阅密钥（只显示这一次，请复制给接收方）" }),
        el("code", { id: "wh-secret-value", text: made.secret }),
        el("div", { class: "row" }, el("button", { type: "button", text: "已复制，完成", onclick: () => ctx.refresh() })),
      );
      secretBox.hidden = false;
    }
  },
});
