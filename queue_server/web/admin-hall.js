// The console's hall section: the hall's name, time zone and the announcement
// line the lobby screen scrolls (PATCH /api/halls/{hall}; the screens take the
// new line from the feed at once).
"use strict";

AdminConsole.section({
  id: "hall",
  title: "大厅",
  order: 10,
  render: async (root, ctx) => {
    const ANNOUNCEMENT_MAX = 200; // the server's cap, after it drops control characters
    const ZONES = ["Asia/Shanghai", "Asia/Urumqi", "Asia/Hong_Kong", "Asia/Macau", "Asia/Taipei"];
    const view = await ctx.hallView();

    const name = el("input", { id: "hall-name-input", maxlength: 100, size: 40, value: view.name });
    const zone = el("input", { id: "hall-timezone", list: "hall-zones", size: 24, value: view.timezone });
    const zones = el("datalist", { id: "hall-zones" }, ...ZONES.map((z) => el("option", { value: z })));
    const line = el("textarea", { id: "hall-announcement", rows: 3, cols: 70, maxlength: ANNOUNCEMENT_MAX });
    line.value = view.announcement || "";
    const count = el("span", { class: "muted", id: "hall-announcement-count" });
    const preview = el("div", { class: "lobby-preview", id: "hall-announcement-preview" });
    const save = el("button", { type: "button", class: "primary", id: "hall-save", text: "保存" });

    function update() {
      const text = line.value.replace(/\s+/g, " ").trim();
      count.textContent = `${text.length} / ${ANNOUNCEMENT_MAX} 字`;
      preview.textContent = text || "（无公告：显示屏不显示公告栏）";
      preview.classList.toggle("empty", !text);
    }
    line.addEventListener("input", update);
    update();

    save.addEventListener("click", async () => {
      const body = {};
      if (name.value.trim() !== view.name) body.name = name.value.trim();
      if (zone.value.trim() !== view.timezone) body.timezone = zone.value.trim();
      if (line.value !== (view.announcement || "")) body.announcement = line.value;
      if (!Object.keys(body).length) return ctx.say("没有修改");
      save.disabled = true;
      const answer = await ctx.call("PATCH", `/api/halls/${encodeURIComponent(ctx.hall)}`, body);
      save.disabled = false;
      if (!answer.ok) return ctx.say(answer.data.message, "error");
      // The frame's heading names the hall too (admin-core.js draws it once).
      document.getElementById("hall-name").textContent = `${answer.data.name}（${ctx.hall}）`;
      ctx.say(body.announcement !== undefined ? "已保存，大厅显示屏已更新公告" : "已保存");
      ctx.refresh();
    });

    root.append(
      el("h2", { text: "大厅" }),
      el(
        "div",
        { class: "card row" },
        el("label", { class: "field" }, "大厅名称", name),
        el("label", { class: "field" }, "时区（取号、叫号和统计按此时区计日）", zone, zones),
      ),
      el(
        "div",
        { class: "card" },
        el("label", { class: "field" }, "大厅公告（显示屏滚动播放的一行字，留空则不显示）", line),
        el("p", {}, count),
        el("p", { class: "muted", text: "显示屏预览：" }),
        preview,
      ),
      el("div", { class: "row" }, save),
    );
  },
});
