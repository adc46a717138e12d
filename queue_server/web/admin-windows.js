// The console's windows section: each window's label, lane and skills (whole
// categories or single items: PUT /api/halls/{hall}/windows/{n}), open and
// close (POST …/open|close), who is signed in there (GET …/staff), and a new
// window. The skills picker starts from the window's own, so an edit keeps
// what it does not touch.
"use strict";

AdminConsole.section({
  id: "windows",
  title: "窗口",
  order: 30,
  render: async (root, ctx) => {
    const hallPath = `/api/halls/${encodeURIComponent(ctx.hall)}`;
    const LANES = { standard: "普通窗口", green: "绿色通道窗口" };
    const STATE_ZH = window.YiChuangProtocol.WINDOW_STATE_ZH;
    const [hall, catalogue, staff] = await Promise.all([
      ctx.hallView(),
      ctx.call("GET", "/api/services"),
      ctx.call("GET", `${hallPath}/staff`),
    ]);
    if (!catalogue.ok) throw new Error(catalogue.data.message);
    const categories = catalogue.data.categories;
    const services = catalogue.data.services.filter((s) => hall.services.includes(s.code));
    const categoryName = new Map(categories.map((c) => [c.code, c.name]));
    const serviceName = new Map(services.map((s) => [s.code, s.name]));
    const signedIn = new Map((staff.ok ? staff.data.staff : []).filter((m) => m.window).map((m) => [m.window, m]));

    function skillsText(w) {
      if (w.services === "all") return "全部业务";
      const parts = [
        ...w.categories.map((c) => `${categoryName.get(c) || c}（全类）`),
        ...w.services.map((s) => serviceName.get(s) || s),
      ];
      return parts.join("、") || "—";
    }

    async function act(n, action) {
      const answer = await ctx.call("POST", `${hallPath}/windows/${n}/${action}`);
      if (!answer.ok) return ctx.say(answer.data.message, "error");
      ctx.say(`${n} 号窗口：${answer.data.window.state_zh}`);
      ctx.refresh();
    }

    function row(w) {
      const member = signedIn.get(w.number);
      const open = w.state !== "closed";
      return el(
        "tr",
        { "data-window": w.number },
        el("td", { text: String(w.number) }),
        el("td", { text: w.label }),
        el("td", { text: LANES[w.lane] || w.lane }),
        el("td", { class: "skills", text: skillsText(w) }),
        el("td", { class: "state", text: STATE_ZH[w.state] || w.state }),
        el("td", { class: "signed-in", text: member ? `${member.staff_no} ${member.name}` : "—" }),
        el(
          "td",
          {},
          el(
            "div",
            { class: "row" },
            el("button", { type: "button", "data-action": "edit", onclick: () => edit(w) }, "编辑"),
            el(
              "button",
              { type: "button", class: open ? "danger" : null, "data-action": open ? "close" : "open", onclick: () => act(w.number, open ? "close" : "open") },
              open ? "关窗" : "开窗",
            ),
          ),
        ),
      );
    }

    // ------------------------------------------------------------ the form

    const form = el("form", { id: "window-form", class: "card", hidden: true });

    function check(attrs, label) {
      return el("label", { class: "check" }, el("input", { type: "checkbox", ...attrs }), label);
    }

    function skillPicker(w) {
      const all = w ? w.services === "all" : true;
      const has = (list, code) => Boolean(w && Array.isArray(list) && list.includes(code));
      const groups = categories
        .filter((c) => services.some((s) => s.category === c.code))
        .map((c) =>
          el(
            "div",
            { class: "skill-group" },
            check({ "data-category": c.code, checked: has(w && w.categories, c.code) }, `${c.name}（全类）`),
            el(
              "details",
              {},
              el("summary", { text: "按事项" }),
              ...services
                .filter((s) => s.category === c.code)
                .map((s) => check({ "data-service": s.code, checked: has(w && w.services, s.code) }, s.name)),
            ),
          ),
        );
      return el(
        "fieldset",
        { class: "skills-picker" },
        el("legend", { text: "业务范围" }),
        el("label", { class: "check" }, el("input", { type: "radio", name: "scope", id: "wf-all", value: "all", checked: all }), "全部业务（综合窗口）"),
        el("label", { class: "check" }, el("input", { type: "radio", name: "scope", id: "wf-some", value: "some", checked: !all }), "指定类别或事项"),
        el("div", { id: "wf-skills", class: "skill-groups" }, ...groups),
      );
    }

    function edit(w) {
      const taken = new Set(hall.windows.map((x) => x.number));
      let next = 1;
      while (taken.has(next)) next += 1;
      form.replaceChildren(
        el("h3", { text: w ? `编辑 ${w.number} 号窗口` : "新增窗口" }),
        el(
          "div",
          { class: "row" },
          el("label", { class: "field" }, "窗口号", el("input", { id: "wf-number", type: "number", min: 1, max: 999, required: true, value: w ? w.number : next, readonly: Boolean(w) })),
          el("label", { class: "field" }, "名称", el("input", { id: "wf-label", required: true, maxlength: 40, value: w ? w.label : `${next}号综合窗口` })),
          el(
            "label",
            { class: "field" },
            "通道",
            el("select", { id: "wf-lane" }, ...Object.entries(LANES).map(([v, t]) => el("option", { value: v, selected: w && w.lane === v }, t))),
          ),
        ),
        skillPicker(w),
        el(
          "div",
          { class: "row" },
          el("button", { type: "submit", class: "primary", id: "wf-save" }, "保存"),
          el("button", { type: "button", onclick: () => { form.hidden = true; } }, "取消"),
        ),
      );
      form.hidden = false;
      form.querySelector("#wf-label").focus();
    }

    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const n = Number(form.querySelector("#wf-number").value);
      const ticked = (attr) => [...form.querySelectorAll(`input[${attr}]:checked`)].map((i) => i.getAttribute(attr));
      const body = { label: form.querySelector("#wf-label").value.trim(), lane: form.querySelector("#wf-lane").value };
      if (form.querySelector("#wf-all").checked) body.services = "all";
      else Object.assign(body, { categories: ticked("data-category"), services: ticked("data-service") });
      const answer = await ctx.call("PUT", `${hallPath}/windows/${n}`, body);
      if (!answer.ok) return ctx.say(answer.data.message, "error");
      ctx.say(`已保存 ${n} 号窗口：${skillsText(answer.data)}`);
      ctx.refresh();
    });
    // Ticking a category or an item means "not every service".
    form.addEventListener("change", (event) => {
      if (event.target.matches("[data-category], [data-service]") && event.target.checked) {
        form.querySelector("#wf-some").checked = true;
      }
    });

    const body = el("tbody", {}, ...hall.windows.map(row));
    root.append(
      el("h2", { text: "窗口 Windows" }),
      el(
        "div",
        { class: "card" },
        el(
          "table",
          { class: "grid", id: "windows-table" },
          el("thead", {}, el("tr", {}, ...["号", "名称", "通道", "业务范围", "状态", "签到人员", ""].map((t) => el("th", { text: t })))),
          body,
        ),
        hall.windows.length ? "" : el("p", { class: "muted", text: "本大厅还没有窗口" }),
        el("p", {}, el("button", { type: "button", class: "primary", id: "window-add", onclick: () => edit(null) }, "新增窗口")),
      ),
      form,
    );
  },
});
