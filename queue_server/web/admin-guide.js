// The 办事指引 editor of one catalogue item, for the console's catalogue section
// (admin-catalogue.js): the tree as JSON in a textarea (docs/guide-trees.md
// describes the format), a live preview with the visitor's own widget
// (guide-tree.js), and three ways out: 保存指引 (the server checks the tree
// and says what is wrong), 本厅不用指引 (false), 恢复目录指引 (null).
"use strict";

const AdminGuide = (() => {
  // A starting point for an item without a tree: two questions, one ending early.
  const TEMPLATE = {
    start: "q1",
    questions: [
      {
        id: "q1",
        text: "您是本人办理吗？",
        options: [
          { id: "self", label: "本人办理", materials: [], next: null },
          { id: "agent", label: "委托他人代办", materials: ["委托书", "受托人的居民身份证"], next: null },
        ],
      },
    ],
  };

  /** What the item's button says: whether it has a tree, and whose. */
  function summary(item) {
    const own = item.overridden.includes("guide");
    if (!item.guide) return own ? "指引：本厅已关闭" : "无办事指引";
    return `指引：${item.guide.questions.length} 问${own ? "（本厅）" : ""}`;
  }

  /**
   * The editor row (hidden until its button opens it) for `item`; `send(body)`
   * PATCHes the item and resolves to the result (the rows are drawn again on success).
   */
  function editor(item, colspan, send) {
    const own = item.overridden.includes("guide");
    const text = el("textarea", { rows: 18, spellcheck: "false", "data-testid": `guide-${item.code}` });
    text.value = JSON.stringify(item.guide || TEMPLATE, null, 2);
    const problem = el("p", { class: "guide-problem", role: "status", "data-testid": `guide-problem-${item.code}` });
    const preview = el("div", { class: "guide-preview", "data-testid": `guide-preview-${item.code}` });
    const origin = own ? (item.guide ? "本厅自定义的指引" : "本厅已关闭指引") : item.guide ? "全市目录的指引" : "目录中没有指引，可参照示例编写";

    function draw() {
      let tree;
      try {
        tree = JSON.parse(text.value);
      } catch (err) {
        problem.textContent = `JSON 格式有误：${err.message}`;
        return null;
      }
      problem.textContent = "";
      GuideTree.mount(preview, tree, item.materials, null, { title: "预览（与群众看到的一样，可点选）" });
      return tree;
    }

    async function save(body) {
      const result = await send(body);
      if (result && !result.ok) problem.textContent = result.data.message;
    }

    const buttons = el(
      "div",
      { class: "row" },
      el("button", {
        type: "button",
        class: "primary",
        "data-testid": `guide-save-${item.code}`,
        text: "保存指引",
        onclick: () => {
          const tree = draw();
          if (tree !== null) save({ guide: tree });
        },
      }),
      el("button", { type: "button", text: "本厅不用指引", disabled: !item.guide, onclick: () => save({ guide: false }) }),
      el("button", { type: "button", text: "恢复目录指引", disabled: !own, onclick: () => save({ guide: null }) }),
    );
    let timer = null;
    text.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(draw, 250);
    });
    const row = el(
      "tr",
      { class: "guide-editor", hidden: true },
      el(
        "td",
        { colspan },
        el("p", { class: "muted", text: `${origin}。每个选项的 next 写下一个问题的编号，最后一问写 null；选项的材料加在事项材料之后。` }),
        el(
          "div",
          { class: "guide-columns" },
          el("label", { class: "field" }, "办事指引（JSON）", text),
          preview,
        ),
        problem,
        buttons,
      ),
    );
    draw();
    return row;
  }

  return { summary, editor };
})();
