// The 专项服务 section's second card: green-channel groups an ID number cannot
// show (GET/PUT /api/halls/{hall}/declared-groups). The kiosk's 绿色通道 screen
// offers each; the clerk confirms or removes the claim at the window.
"use strict";

const AdminDeclared = (() => {
  const CLASSES = [
    ["military", "现役军人类"],
    ["disability", "残疾人类"],
    ["talent", "人才类"],
    ["other", "其他"],
  ];

  async function card(ctx, hallPath) {
    const listed = await ctx.call("GET", `${hallPath}/declared-groups`);
    if (!listed.ok) throw new Error(listed.data.message);
    const rows = el("tbody", { id: "declared-rows" });
    for (const group of listed.data.groups) rows.append(row(group));
    const add = el("button", { type: "button", id: "declared-add", text: "添加群体" });
    add.addEventListener("click", () => rows.append(row({ id: "", label: "", priority: "other" })));
    const save = el("button", { type: "button", id: "declared-save", class: "primary", text: "保存" });
    save.addEventListener("click", async () => {
      const groups = [...rows.querySelectorAll("tr")].map((tr) => ({
        id: tr.querySelector("[name=id]").value.trim(),
        label: tr.querySelector("[name=label]").value.trim(),
        priority: tr.querySelector("[name=priority]").value,
      }));
      save.disabled = true;
      const answer = await ctx.call("PUT", `${hallPath}/declared-groups`, { groups });
      save.disabled = false;
      if (!answer.ok) return ctx.say(answer.data.message, "error");
      ctx.say(`已保存 ${answer.data.groups.length} 个绿色通道群体`);
    });
    const head = ["编号（英文）", "群体名称（取号机显示）", "统计类别", ""].map((t) => el("th", { text: t }));
    return el(
      "div",
      { class: "card" },
      el("h3", { text: "身份证号码无法证明的绿色通道群体" }),
      el("p", {
        class: "muted",
        text: "如现役军人及军属、残疾人、孕妇、高层次人才：取号机「绿色通道」页列出这些群体，办事人自行选择；叫号后窗口核验证件，确认或取消绿色通道，并记入审计。",
      }),
      el("table", { class: "grid", id: "declared-table" }, el("thead", {}, el("tr", {}, ...head)), rows),
      el("div", { class: "row" }, add, save),
    );
  }

  function row(group) {
    const select = el("select", { name: "priority" },
      ...CLASSES.map(([value, text]) => el("option", { value, text })));
    select.value = group.priority;
    const remove = el("button", { type: "button", class: "danger", text: "删除" });
    const tr = el(
      "tr",
      {},
      el("td", {}, el("input", { name: "id", value: group.id, maxlength: 16, placeholder: "如 military" })),
      el("td", {}, el("input", { name: "label", value: group.label, maxlength: 20, placeholder: "如 现役军人及军属" })),
      el("td", {}, select),
      el("td", {}, remove),
    );
    remove.addEventListener("click", () => tr.remove());
    return tr;
  }

  return Object.freeze({ card });
})();
