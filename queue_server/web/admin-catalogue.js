// The console's catalogue section: the hall's own settings of each catalogue
// item (GET/PATCH /api/halls/{hall}/catalogue[/{code}]). Switching an item
// off refuses its tickets at once and takes it off the ticket machines at
// their next refresh (a minute at most, between visitors); each other
// field is saved with the row's 保存 and marked 本厅 where it differs from
// the catalogue's value (恢复默认 sends null: the catalogue's again). The
// item's 办事指引 tree has its own editor row (admin-guide.js).
"use strict";

AdminConsole.section({
  id: "catalogue",
  title: "事项目录",
  order: 40,
  render: async (root, ctx) => {
    const path = `/api/halls/${encodeURIComponent(ctx.hall)}/catalogue`;
    const answer = await ctx.call("GET", path);
    if (!answer.ok) throw new Error(answer.data.message);
    const FIELDS = ["target_wait_minutes", "minutes", "walk_in", "remote", "slot_capacity", "materials"];
    const search = el("input", {
      type: "search",
      id: "catalogue-search",
      placeholder: "按名称或编码查找事项",
      "data-readonly-ok": true,
    });
    const groups = el("div", { id: "catalogue-groups" });
    root.append(
      el("h2", { text: "事项目录 Catalogue" }),
      el(
        "div",
        { class: "card row" },
        el("label", { class: "field" }, "查找", search),
        el("p", {
          class: "muted",
          text: "关闭的事项即刻停止取号，取号机一分钟内不再显示；“本厅”标记的设置与全市目录不同。每时段名额留空：按预约占比自动计算。",
        }),
        el("p", {
          class: "muted",
          id: "guide-count",
          text: `${answer.data.services.filter((s) => s.guide).length} 个事项有办事指引（简单问答生成收件清单）：点“指引”查看、修改或关闭。`,
        }),
      ),
      groups,
    );

    for (const category of answer.data.categories) {
      const items = answer.data.services.filter((s) => s.category === category.code);
      if (!items.length) continue;
      const body = el("tbody");
      for (const item of items) body.append(...rows(item));
      groups.append(
        el(
          "div",
          { class: "card catalogue-group", "data-category": category.code },
          el("h3", { text: `${category.name}（${category.prefix} 字头）` }),
          el("table", { class: "grid catalogue" }, head(), body),
        ),
      );
    }

    function head() {
      const titles = ["开通", "事项", "目标等候（分钟）", "办理时长（分钟）", "取号方式", "每时段名额", "材料 · 指引", ""];
      return el("thead", {}, el("tr", {}, ...titles.map((t) => el("th", { text: t }))));
    }

    /** The item's row, its materials editor and its 办事指引 editor (rows hidden until opened). */
    function rows(item) {
      const own = new Set(item.overridden);
      const mark = (name, node) =>
        el("div", { class: own.has(name) ? "own" : "" }, node, own.has(name) ? el("span", { class: "tag", text: "本厅", title: `目录默认：${shown(name, item.defaults[name])}` }) : "");
      const number = (name, min, max, value) =>
        el("input", { type: "number", min, max, value: value ?? "", "data-field": name, "data-testid": `${name}-${item.code}`, class: "num" });
      const enable = el("input", { type: "checkbox", "data-testid": `enable-${item.code}`, checked: item.enabled });
      const target = number("target_wait_minutes", 1, 480, item.target_wait_minutes);
      const minutes = number("minutes", 1, 480, item.minutes);
      const capacity = number("slot_capacity", 0, 1000, item.slot_capacity);
      capacity.placeholder = "自动";
      const walkIn = el(
        "select",
        { "data-testid": `walk_in-${item.code}` },
        el("option", { value: "true", text: "现场取号或预约", selected: item.walk_in }),
        el("option", { value: "false", text: "仅限预约", selected: !item.walk_in }),
      );
      // 线上取号: a phone may take a place in today's queue (called once its holder arrives).
      const remote = el("input", { type: "checkbox", "data-testid": `remote-${item.code}`, checked: item.remote });
      const remoteLabel = el("label", { class: "check", title: "手机可在开放时间内线上取号，到场签到后才叫号" }, remote, "线上取号");
      const materials = el("textarea", { rows: 5, cols: 60, "data-testid": `materials-${item.code}` });
      materials.value = item.materials.join("\n");
      const editor = el(
        "tr",
        { class: "materials-editor", hidden: true },
        el(
          "td",
          { colspan: 8 },
          el("label", { class: "field" }, "所需材料（每行一项；新取的号即刻显示，取号机一分钟内更新）", materials),
        ),
      );
      const toggle = el("button", {
        type: "button",
        "data-readonly-ok": true,
        text: `${item.materials.length} 项 · 编辑`,
        onclick: () => { editor.hidden = !editor.hidden; },
      });
      const guide = AdminGuide.editor(item, 8, (body) => send(item, body, [row, editor, guide]));
      const guideToggle = el("button", {
        type: "button",
        class: item.guide ? "has-guide" : "",
        "data-readonly-ok": true,
        "data-testid": `guide-toggle-${item.code}`,
        text: AdminGuide.summary(item),
        onclick: () => { guide.hidden = !guide.hidden; },
      });
      const save = el("button", { type: "button", class: "primary", "data-testid": `save-${item.code}`, text: "保存" });
      const reset = el("button", { type: "button", text: "恢复默认" });
      const row = el(
        "tr",
        { "data-code": item.code, "data-name": item.name, class: item.enabled ? "" : "off" },
        el("td", {}, enable),
        el("td", {}, el("div", { text: item.name }), el("div", { class: "muted", text: item.code })),
        el("td", {}, mark("target_wait_minutes", target)),
        el("td", {}, mark("minutes", minutes)),
        el("td", {}, mark("walk_in", walkIn), mark("remote", remoteLabel)),
        el("td", {}, mark("slot_capacity", capacity)),
        el("td", {}, mark("materials", toggle), mark("guide", guideToggle)),
        el("td", {}, el("div", { class: "row" }, save, reset)),
      );

      enable.addEventListener("change", () => send(item, { enabled: enable.checked }, [row, editor, guide]));
      save.addEventListener("click", () => {
        const wanted = {
          target_wait_minutes: whole(target.value),
          minutes: whole(minutes.value),
          walk_in: walkIn.value === "true",
          remote: remote.checked,
          slot_capacity: capacity.value.trim() === "" ? null : whole(capacity.value),
          materials: materials.value.split("\n").map((m) => m.trim()).filter(Boolean),
        };
        const changed = {};
        for (const name of FIELDS) {
          if (JSON.stringify(wanted[name]) !== JSON.stringify(item[name])) changed[name] = wanted[name];
        }
        if (!Object.keys(changed).length) return ctx.say("没有修改");
        send(item, changed, [row, editor, guide]);
      });
      // 恢复默认 is for the row's fields; the tree has its own 恢复目录指引.
      const fields = item.overridden.filter((n) => n !== "guide");
      reset.disabled = fields.length === 0;
      reset.addEventListener("click", () => send(item, Object.fromEntries(fields.map((n) => [n, null])), [row, editor, guide]));
      return [row, editor, guide];
    }

    /** PATCH the item; on success its rows are drawn again from the answer
     * (open editors stay open). Resolves to the result. */
    async function send(item, body, drawn) {
      const result = await ctx.call("PATCH", `${path}/${encodeURIComponent(item.code)}`, body);
      if (!result.ok) {
        ctx.say(result.data.message, "error");
        return result;
      }
      const fresh = rows(result.data);
      fresh.forEach((node, i) => {
        if (i > 0) node.hidden = drawn[i].hidden;
        drawn[i].replaceWith(node);
      });
      filter();
      ctx.say(`已保存：${item.name}`);
      return result;
    }

    function whole(text) {
      const value = Number(text);
      return Number.isFinite(value) && text.trim() !== "" ? Math.trunc(value) : text;
    }

    function shown(name, value) {
      if (name === "walk_in") return value ? "现场取号或预约" : "仅限预约";
      if (name === "remote") return value ? "可线上取号" : "不可线上取号";
      if (name === "materials") return value.join("；");
      if (name === "guide") return value ? `${value.questions.length} 问` : "无";
      return value === null ? "自动" : String(value);
    }

    function filter() {
      const wanted = search.value.trim().toLowerCase();
      for (const group of groups.querySelectorAll(".catalogue-group")) {
        let any = false;
        for (const row of group.querySelectorAll("tr[data-code]")) {
          const hit = !wanted || row.dataset.code.toLowerCase().includes(wanted) || row.dataset.name.includes(wanted);
          row.hidden = !hit;
          for (let next = row.nextElementSibling; !hit && next && !next.dataset.code; next = next.nextElementSibling) next.hidden = true;
          any = any || hit;
        }
        group.hidden = !any;
      }
    }

    search.addEventListener("input", filter);
  },
});
