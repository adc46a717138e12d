// The console's staff section: the hall's accounts (GET /api/halls/{hall}/staff)
// with the window each is signed in at; add one {工号, 姓名, 角色, 初始密码}
// (POST), change a role, reset a password, deactivate or reactivate (PATCH).
// A new password and a deactivation sign the member out at once (server side).
// Passwords are only ever typed here and sent: never shown, kept or logged.
"use strict";

AdminConsole.section({
  id: "staff",
  title: "人员",
  order: 80,
  render: async (root, ctx) => {
    const hallPath = `/api/halls/${encodeURIComponent(ctx.hall)}`;
    const ROLES = { clerk: "窗口工作人员", supervisor: "值班主管", admin: "管理员" };
    // Only a city-level admin (no hall of its own) may make or change a city admin.
    if (ctx.me.hall === null) ROLES.city_admin = "市级管理员";
    const roleName = (role) => ROLES[role] || (role === "city_admin" ? "市级管理员" : role);
    const answer = await ctx.call("GET", `${hallPath}/staff`);
    if (!answer.ok) throw new Error(answer.data.message);

    async function change(member, body, done) {
      const path = `${hallPath}/staff/${encodeURIComponent(member.staff_no)}`;
      const result = await ctx.call("PATCH", path, body);
      if (!result.ok) return ctx.say(result.data.message, "error");
      ctx.say(`工号 ${member.staff_no}：${done}`);
      ctx.refresh();
    }

    function roleSelect(member) {
      const select = el(
        "select",
        { "data-field": "role", "aria-label": `工号 ${member.staff_no} 的角色` },
        ...Object.entries(ROLES).map(([v, t]) => el("option", { value: v, selected: member.role === v }, t)),
      );
      if (!(member.role in ROLES)) {
        // A city admin listed in this hall: shown, but only the city changes it.
        select.append(el("option", { value: member.role, selected: true }, roleName(member.role)));
        select.disabled = true;
      }
      select.addEventListener("change", () => change(member, { role: select.value }, `角色改为${roleName(select.value)}`));
      return select;
    }

    /** "重设密码" opens a password box and its confirm button in the same cell. */
    function passwordReset(member) {
      const box = el("span", { class: "password-box", hidden: true });
      const input = el("input", { type: "password", "data-field": "password", minlength: 8, maxlength: 200, autocomplete: "new-password", placeholder: "新密码（至少 8 位）" });
      const ok = el("button", { type: "button", "data-action": "password-ok" }, "确定");
      ok.addEventListener("click", () => change(member, { password: input.value }, "密码已重设，原登录已退出"));
      box.append(input, ok);
      const open = el("button", { type: "button", "data-action": "password", onclick: () => { box.hidden = false; open.hidden = true; input.focus(); } }, "重设密码");
      return el("span", {}, open, box);
    }

    function row(m) {
      const locked = m.locked_until ? `（锁定至 ${m.locked_until.slice(11, 16)}）` : "";
      return el(
        "tr",
        { "data-staff": m.staff_no, class: m.active ? null : "inactive" },
        el("td", { text: m.staff_no }),
        el("td", { text: m.name }),
        el("td", {}, roleSelect(m)),
        el("td", { class: "active", text: (m.active ? "在用" : "已停用") + locked }),
        el("td", { class: "window", text: m.window ? `${m.window} 号窗口` : "—" }),
        el(
          "td",
          {},
          el(
            "div",
            { class: "row" },
            passwordReset(m),
            m.active
              ? el("button", { type: "button", class: "danger", "data-action": "deactivate", onclick: () => change(m, { active: false }, "已停用，原登录已退出") }, "停用")
              : el("button", { type: "button", "data-action": "activate", onclick: () => change(m, { active: true }, "已启用") }, "启用"),
          ),
        ),
      );
    }

    const field = (label, attrs) => el("label", { class: "field" }, label, el("input", { required: true, ...attrs }));
    const form = el(
      "form",
      { id: "staff-form", class: "card row" },
      field("工号", { id: "sf-staff-no", maxlength: 20, autocomplete: "off" }),
      field("姓名", { id: "sf-name", maxlength: 40, autocomplete: "off" }),
      el("label", { class: "field" }, "角色", el("select", { id: "sf-role" }, ...Object.entries(ROLES).map(([v, t]) => el("option", { value: v }, t)))),
      field("初始密码", { id: "sf-password", type: "password", minlength: 8, maxlength: 200, autocomplete: "new-password" }),
      el("button", { type: "submit", class: "primary", id: "sf-add" }, "添加人员"),
    );
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const value = (id) => form.querySelector(`#${id}`).value;
      const body = { staff_no: value("sf-staff-no").trim(), name: value("sf-name").trim(), role: value("sf-role"), password: value("sf-password") };
      const result = await ctx.call("POST", `${hallPath}/staff`, body);
      form.querySelector("#sf-password").value = "";
      if (!result.ok) return ctx.say(result.data.message, "error");
      ctx.say(`已添加 工号 ${result.data.staff_no} ${result.data.name}（${roleName(result.data.role)}）`);
      ctx.refresh();
    });

    const members = answer.data.staff;
    root.append(
      el("h2", { text: "人员 Staff" }),
      el(
        "div",
        { class: "card" },
        el(
          "table",
          { class: "grid", id: "staff-table" },
          el("thead", {}, el("tr", {}, ...["工号", "姓名", "角色", "状态", "签到窗口", ""].map((t) => el("th", { text: t })))),
          el("tbody", {}, ...members.map(row)),
        ),
        members.length ? "" : el("p", { class: "muted", text: "本大厅还没有工作人员账户" }),
      ),
      el("h3", { text: "添加人员" }),
      form,
    );
  },
});
