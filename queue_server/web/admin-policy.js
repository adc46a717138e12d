// The console's policy section: each dispatch and day setting of the hall with
// the server's one-line explanation, unit, default and range
// (GET /api/policy-settings), its current value (GET /api/halls/{hall}), and
// one 保存 for what was changed (PUT /api/halls/{hall}/policy). Above it, the
// hall's trade-off in plain words (GET/PUT /api/halls/{hall}/policy/tradeoff),
// which sets the three dispatch settings at once.
"use strict";

AdminConsole.section({
  id: "policy",
  title: "调度规则",
  order: 50,
  render: async (root, ctx) => {
    const tradeoffPath = `/api/halls/${encodeURIComponent(ctx.hall)}/policy/tradeoff`;
    const [help, view, tradeoff] = await Promise.all([
      ctx.call("GET", "/api/policy-settings"),
      ctx.hallView(),
      ctx.call("GET", tradeoffPath),
    ]);
    if (!help.ok) throw new Error(help.data.message);
    if (!tradeoff.ok) throw new Error(tradeoff.data.message);
    const SWITCH = "开关";
    const inputs = new Map();
    const body = el("tbody");
    for (const setting of help.data) {
      const current = view.policy[setting.name];
      const input =
        setting.unit === SWITCH
          ? el("input", { type: "checkbox", checked: Boolean(current) })
          : el("input", { type: "number", class: "num", min: setting.minimum, max: setting.maximum, value: current });
      input.id = `policy-${setting.name}`;
      inputs.set(setting.name, input);
      const changed = current !== setting.default;
      body.append(
        el(
          "tr",
          { "data-setting": setting.name, class: changed ? "own" : "" },
          el("td", {}, el("div", { text: setting.label }), el("div", { class: "muted", text: setting.name })),
          el("td", { text: setting.explanation }),
          el("td", {}, el("label", { class: "value" }, input, " ", setting.unit === SWITCH ? "开启" : setting.unit)),
          el("td", { text: shown(setting, setting.default) }),
          el("td", { class: "muted", text: range(setting) }),
        ),
      );
    }
    const save = el("button", { type: "button", class: "primary", id: "policy-save", text: "保存调度规则" });
    root.append(
      el("h2", { text: "调度规则 Policy" }),
      tradeoffCard(tradeoff.data),
      el(
        "div",
        { class: "card" },
        el("p", { class: "muted", text: "修改后对下一次叫号、取号和预约即刻生效；与默认值不同的设置以底色标出。" }),
        el(
          "table",
          { class: "grid", id: "policy-table" },
          el("thead", {}, el("tr", {}, ...["设置", "说明", "当前值", "默认值", "可填范围"].map((t) => el("th", { text: t })))),
          body,
        ),
        el("div", { class: "row" }, save),
      ),
    );

    save.addEventListener("click", async () => {
      const changed = {};
      for (const setting of help.data) {
        const input = inputs.get(setting.name);
        const current = view.policy[setting.name];
        // A switch goes back as the server keeps it (true/false, or 1/0).
        const flag = typeof current === "boolean" ? input.checked : Number(input.checked);
        const value = setting.unit === SWITCH ? flag : Number(input.value);
        if (input.type === "number" && (input.value.trim() === "" || !Number.isInteger(value))) {
          return ctx.say(`「${setting.label}」应填整数`, "error");
        }
        if (value !== current) changed[setting.name] = value;
      }
      if (!Object.keys(changed).length) return ctx.say("没有修改");
      const result = await ctx.call("PUT", `/api/halls/${encodeURIComponent(ctx.hall)}/policy`, changed);
      if (!result.ok) return ctx.say(result.data.message, "error");
      ctx.say(`已保存 ${Object.keys(changed).length} 项调度规则`);
      ctx.refresh();
    });

    function tradeoffCard(data) {
      const choice = el("select", { id: "tradeoff-phrase" });
      for (const p of data.phrases) choice.append(el("option", { value: p.key, text: p.phrase }));
      const minutes = el("input", { type: "number", class: "num", id: "tradeoff-minutes", min: 5, max: 30, value: 15 });
      const minutesLabel = el("label", { class: "value" }, "N = ", minutes, " 分钟");
      const explain = el("p", { class: "muted", id: "tradeoff-explanation" });
      const apply = el("button", { type: "button", id: "tradeoff-apply", text: "按此取舍设置" });
      if (data.current) {
        choice.value = data.current.key;
        if (data.current.minutes !== null) minutes.value = data.current.minutes;
      }
      const picked = () => data.phrases.find((p) => p.key === choice.value);
      const show = () => {
        minutesLabel.hidden = !picked().minutes;
        explain.textContent = picked().explanation;
      };
      choice.addEventListener("change", show);
      show();
      apply.addEventListener("click", async () => {
        const body = { phrase: choice.value };
        if (picked().minutes) body.minutes = Number(minutes.value);
        const result = await ctx.call("PUT", tradeoffPath, body);
        if (!result.ok) return ctx.say(result.data.message, "error");
        ctx.say(`已按「${result.data.current_text}」设置调度规则`);
        ctx.refresh();
      });
      const now = data.current_text ? `当前：${data.current_text}` : "当前：自定义的调度设置（下表）";
      return el(
        "div",
        { class: "card", id: "tradeoff" },
        el("h3", { text: "调度取舍" }),
        el("p", { id: "tradeoff-current", text: now }),
        el("div", { class: "row" }, choice, minutesLabel, apply),
        explain,
      );
    }

    function shown(setting, value) {
      if (setting.unit === SWITCH) return value ? "开启" : "关闭";
      return `${value} ${setting.unit}`;
    }

    function range(setting) {
      if (setting.unit === SWITCH) return "开启 / 关闭";
      return `${setting.minimum} – ${setting.maximum} ${setting.unit}`;
    }
  },
});
