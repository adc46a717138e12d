// The console's 好差评 section: the reasons a visitor may give for 不满意 or
// 非常不满意 (GET/PUT /api/halls/{hall}/feedback), one per line, 1 to 12 of
// them, each at most 20 characters and named once. Without the hall's own
// list, the national guide's apply (服务态度, 办事效率 …).
"use strict";

AdminConsole.section({
  id: "feedback",
  title: "好差评",
  order: 55,
  render: async (root, ctx) => {
    const path = `/api/halls/${encodeURIComponent(ctx.hall)}/feedback`;
    const answer = await ctx.call("GET", path);
    if (!answer.ok) throw new Error(answer.data.message);
    const current = answer.data;
    const box = el("textarea", { id: "feedback-reasons", rows: 8, cols: 24, style: "max-width: 28rem" });
    box.value = current.reasons.join("\n");
    const save = el("button", { type: "button", class: "primary", id: "feedback-save", text: "保存差评原因" });
    const reset = el("button", { type: "button", id: "feedback-default", text: "恢复国家指南的原因" });
    root.append(
      el("h2", { text: "好差评 · 差评原因" }),
      el(
        "div",
        { class: "card" },
        el("p", {
          class: "muted",
          text: "办事人评价“不满意”或“非常不满意”时，从下列原因中选择（可多选）。每行一个原因，1 至 12 个，每个不超过 20 个字，不得重复。",
        }),
        el("p", { class: "muted", text: current.default ? "当前使用国家指南的原因。" : "当前使用本大厅自定的原因。" }),
        el("label", { class: "field" }, "差评原因（每行一个）", box),
        el("div", { class: "row" }, save, reset),
      ),
    );

    function problem(reasons) {
      if (!reasons.length) return "请至少填写一个原因";
      if (reasons.length > 12) return `最多 12 个原因，现有 ${reasons.length} 个`;
      const long = reasons.find((r) => r.length > 20);
      if (long) return `“${long}”超过 20 个字`;
      const twice = reasons.find((r, i) => reasons.indexOf(r) !== i);
      if (twice) return `“${twice}”重复了`;
      return null;
    }

    save.addEventListener("click", async () => {
      const reasons = box.value.split("\n").map((r) => r.trim()).filter(Boolean);
      const wrong = problem(reasons);
      if (wrong) return ctx.say(wrong, "error");
      save.disabled = true;
      const put = await ctx.call("PUT", path, { reasons });
      save.disabled = false;
      if (!put.ok) return ctx.say(put.data.message, "error");
      ctx.say("已保存差评原因");
      ctx.refresh();
    });
    reset.addEventListener("click", () => {
      box.value = current.default_reasons.join("\n");
    });
  },
});
