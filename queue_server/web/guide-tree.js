/*
 * 办事指引: a few plain questions that turn an item's generic 收件清单 into the
 * visitor's own (「简单问答生成收件清单」). One module for every page that
 * shows it: the booking page, the ticket machine, the holder's page and the
 * director's preview. Style: guide-tree.css.
 *
 *   GuideTree.mount(container, guide, materials, onChange, opts)
 *       one question at a time as big option buttons, 上一题 to go back, and
 *       the personal 收件清单 once the path ends; calls
 *       onChange({answers, checklist, complete}) at once and after each tap.
 *       Returns {answers(), reset(), destroy()}.
 *       opts: answers (a path to start from, e.g. given earlier); layout:
 *       "phone" (default) or "kiosk" (larger); title (the heading; "" for none).
 *   GuideTree.walk(guide, answers)      {steps: [{question, option}], complete}
 *   GuideTree.checklist(guide, materials, answers)
 *       the item's materials, then those the chosen options add, each once.
 *
 * `guide` is the tree as the server gives it: {start, questions: [{id, text,
 * options: [{id, label, materials, next}]}]}; answers are {question id:
 * option id}. A missing tree (null or false) shows the materials alone. Text
 * is set with textContent only.
 */
const GuideTree = (() => {
  "use strict";

  // ------------------------------------------------------------ pure

  function questionOf(guide, id) {
    return (guide.questions || []).find((q) => q.id === id) || null;
  }

  /** Follow `answers` from the start as far as they go (never loops: a path
   * visits each question once at most). */
  function walk(guide, answers) {
    const steps = [];
    if (!guide || !guide.questions) return { steps, complete: true, next: null };
    const seen = new Set();
    let current = questionOf(guide, guide.start);
    while (current && !seen.has(current.id) && answers && answers[current.id] !== undefined) {
      seen.add(current.id);
      const option = (current.options || []).find((o) => o.id === answers[current.id]);
      if (!option) break;
      steps.push({ question: current, option });
      current = option.next ? questionOf(guide, option.next) : null;
    }
    if (current && seen.has(current.id)) current = null;
    return { steps, complete: current === null, next: current };
  }

  function checklist(guide, materials, answers) {
    const all = [...(materials || [])];
    for (const step of walk(guide, answers).steps) all.push(...(step.option.materials || []));
    return [...new Set(all)];
  }

  // ------------------------------------------------------------ drawing

  function el(tag, className, text, attrs) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, String(v));
    return node;
  }

  function button(className, text, onClick, attrs) {
    const node = el("button", className, text, { type: "button", ...attrs });
    node.addEventListener("click", onClick);
    return node;
  }

  function mount(container, guide, materials, onChange, opts) {
    const options = opts || {};
    const tree = guide && Array.isArray(guide.questions) && guide.questions.length ? guide : null;
    let answers = {};
    for (const step of walk(tree, options.answers || {}).steps) answers[step.question.id] = step.option.id;

    container.replaceChildren();
    container.classList.add("gt", options.layout === "kiosk" ? "gt-kiosk" : "gt-phone");
    const title = options.title === undefined ? "办事指引：回答几个问题，生成您的收件清单" : options.title;
    const head = title ? el("p", "gt-title", title) : null;
    const body = el("div", "gt-body", null, { "aria-live": "polite" });
    container.append(...[head, body].filter(Boolean));

    function state() {
      const walked = walk(tree, answers);
      return { answers: { ...answers }, checklist: checklist(tree, materials, answers), complete: walked.complete };
    }

    function changed() {
      draw();
      if (onChange) onChange(state());
    }

    function choose(question, option) {
      answers[question.id] = option.id;
      changed();
    }

    function back() {
      const walked = walk(tree, answers);
      const last = walked.steps[walked.steps.length - 1];
      if (last) delete answers[last.question.id];
      changed();
    }

    function reset() {
      answers = {};
      changed();
    }

    function trail(steps) {
      const list = el("ol", "gt-trail");
      for (const step of steps) {
        const item = el("li", "gt-trail-item");
        item.append(el("span", "gt-trail-q", step.question.text), el("span", "gt-trail-a", step.option.label));
        list.append(item);
      }
      return list;
    }

    function draw() {
      const walked = walk(tree, answers);
      // Drop answers off the path (a question answered, then an earlier answer changed).
      answers = Object.fromEntries(walked.steps.map((s) => [s.question.id, s.option.id]));
      body.replaceChildren();
      if (walked.steps.length) body.append(trail(walked.steps));
      if (!walked.complete) {
        const q = walked.next;
        const step = el("p", "gt-step", `第 ${walked.steps.length + 1} 问`);
        const text = el("h3", "gt-question", q.text, { tabindex: "-1", "data-question": q.id });
        const group = el("div", "gt-options", null, { role: "group", "aria-label": q.text });
        for (const o of q.options || []) {
          group.append(button("gt-option", o.label, () => choose(q, o), { "data-option": o.id }));
        }
        body.append(step, text, group);
        if (walked.steps.length) body.append(button("gt-back", "‹ 上一题", back));
        if (container.dataset.gtDrawn) text.focus({ preventScroll: true });
      } else {
        body.append(done(walked));
      }
      container.dataset.gtDrawn = "1";
      container.dataset.complete = String(walked.complete);
    }

    function done(walked) {
      const box = el("div", "gt-done");
      const own = new Set(materials || []);
      box.append(el("h3", "gt-list-title", tree ? "您的收件清单" : "收件清单"));
      const list = el("ol", "gt-list");
      for (const m of checklist(tree, materials, answers)) {
        const item = el("li", own.has(m) ? "gt-item" : "gt-item gt-added", m);
        if (!own.has(m)) item.append(el("span", "gt-tag", "按您的情况"));
        list.append(item);
      }
      box.append(list);
      if (tree) {
        const row = el("div", "gt-row");
        row.append(button("gt-back", "‹ 上一题", back), button("gt-again", "重新回答", reset));
        box.append(row);
      }
      return box;
    }

    draw();
    if (onChange) onChange(state());
    return {
      answers: () => ({ ...answers }),
      reset,
      destroy: () => container.replaceChildren(),
    };
  }

  return { mount, walk, checklist };
})();
