// The console's 专项服务 section: temporary green channels (a group, its items,
// a date range; GET/POST/DELETE /api/halls/{hall}/green-channels). While one
// runs, the kiosk offers "我是…" for its items and the 导办 may mark it; those
// tickets go to the green channel.
"use strict";

AdminConsole.section({
  id: "specials",
  title: "专项服务",
  order: 60,
  render: async (root, ctx) => {
    const hallPath = `/api/halls/${encodeURIComponent(ctx.hall)}`;
    const [listed, catalogue, hallView, declared] = await Promise.all([
      ctx.call("GET", `${hallPath}/green-channels`),
      ctx.call("GET", "/api/services"),
      ctx.hallView(),
      AdminDeclared.card(ctx, hallPath),
    ]);
    if (!listed.ok) throw new Error(listed.data.message);
    if (!catalogue.ok) throw new Error(catalogue.data.message);
    const today = listed.data.today;

    root.append(
      el("h2", { text: "专项服务 · 临时绿色通道" }),
      el("p", {
        class: "muted",
        text: "为特定群体（如高考考生）在指定日期内开设的绿色通道：开放期间，取号机对所含事项显示“我是……”选项，导办也可代为选择；这些号码按绿色通道优先叫号。日期按本大厅的营业日计，含首尾两天。",
      }),
      el("div", { class: "card" }, channelTable(listed.data.green_channels)),
      el("div", { class: "card" }, addForm()),
      declared,
    );

    function status(channel) {
      if (channel.running) return "进行中";
      return channel.from > today ? "未开始" : "已结束";
    }

    function channelTable(channels) {
      const head = ["群体", "事项", "开始日期", "结束日期", "状态", ""].map((t) => el("th", { text: t }));
      const rows = channels.map((c) =>
        el(
          "tr",
          { "data-channel": c.id },
          el("td", { text: c.group_label }),
          el("td", { text: c.service_names.join("、") }),
          el("td", { text: c.from }),
          el("td", { text: c.to }),
          el("td", { text: status(c), "data-testid": "channel-status" }),
          el("td", {}, removeButton(c)),
        ),
      );
      const empty = el("tr", {}, el("td", { colspan: 6, class: "muted", text: "尚未开设临时绿色通道" }));
      return el(
        "table",
        { class: "grid", id: "specials-table" },
        el("thead", {}, el("tr", {}, ...head)),
        el("tbody", {}, ...(rows.length ? rows : [empty])),
      );
    }

    function removeButton(channel) {
      const remove = async () => {
        const answer = await ctx.call("DELETE", `${hallPath}/green-channels/${encodeURIComponent(channel.id)}`);
        if (!answer.ok) {
          ctx.say(answer.data.message, "error");
          return false;
        }
        ctx.say(`已撤销「${channel.group_label}」专项服务`);
        ctx.refresh();
      };
      return twoTapButton("撤销", "确认撤销", remove, { "data-testid": "channel-remove" });
    }

    function serviceOptions() {
      const offered = new Set(hallView.services);
      return catalogue.data.categories
        .map((cat) => {
          const items = catalogue.data.services.filter((s) => s.category === cat.code && offered.has(s.code));
          return items.length
            ? el("optgroup", { label: cat.name }, ...items.map((s) => el("option", { value: s.code, text: s.name })))
            : null;
        })
        .filter(Boolean);
    }

    function addForm() {
      const label = el("input", { id: "gc-label", maxlength: 20, placeholder: "如：高考考生", required: true });
      const from = el("input", { id: "gc-from", type: "date", value: today, required: true });
      const to = el("input", { id: "gc-to", type: "date", value: today, required: true });
      const services = el("select", { id: "gc-services", multiple: true, size: 8 }, ...serviceOptions());
      const add = el("button", { id: "gc-add", type: "submit", class: "primary", text: "开设" });
      const form = el(
        "form",
        { id: "gc-form" },
        el("h3", { text: "开设临时绿色通道" }),
        el(
          "div",
          { class: "row" },
          el("label", { class: "field" }, "群体名称（取号机显示“我是……”）", label),
          el("label", { class: "field" }, "开始日期", from),
          el("label", { class: "field" }, "结束日期", to),
        ),
        el("label", { class: "field" }, "所含事项（按住 Ctrl 可多选）", services),
        el("div", { class: "row" }, add),
      );
      form.addEventListener("submit", async (event) => {
        event.preventDefault();
        const chosen = [...services.selectedOptions].map((o) => o.value);
        if (!label.value.trim()) return ctx.say("请填写群体名称", "error");
        if (!chosen.length) return ctx.say("请至少选择一个事项", "error");
        const body = { group_label: label.value.trim(), services: chosen, from: from.value, to: to.value };
        add.disabled = true;
        const answer = await ctx.call("POST", `${hallPath}/green-channels`, body);
        add.disabled = false;
        if (!answer.ok) return ctx.say(answer.data.message, "error");
        ctx.say(`已开设「${answer.data.group_label}」专项服务（${answer.data.from} 至 ${answer.data.to}）`);
        ctx.refresh();
      });
      return form;
    }
  },
});
