// The console's audit section: who changed what in the hall's set-up, when,
// from what to what (GET /api/halls/{hall}/audit?date=), and its CSV.
"use strict";

AdminConsole.section({
  id: "audit",
  title: "操作记录",
  order: 90,
  render: async (root, ctx) => {
    const hallPath = `/api/halls/${encodeURIComponent(ctx.hall)}`;
    const day = el("input", { type: "date", id: "audit-date", "data-readonly-ok": true });
    const csv = el("a", { id: "audit-csv", class: "link", text: "导出 CSV" });
    const body = el("tbody");
    const table = el(
      "table",
      { class: "grid", id: "audit-table" },
      el("thead", {}, el("tr", {}, ...["时间", "操作人", "操作", "对象", "修改前", "修改后"].map((t) => el("th", { text: t })))),
      body,
    );
    root.append(
      el("h2", { text: "操作记录 Audit" }),
      el("div", { class: "card row" }, el("label", { class: "field" }, "日期", day), csv),
      el("div", { class: "card" }, table),
    );

    async function load() {
      const query = day.value ? `?date=${day.value}` : "";
      csv.href = `${Api.root()}${hallPath}/audit.csv${query}`;
      const answer = await ctx.call("GET", `${hallPath}/audit${query}`);
      if (!answer.ok) return ctx.say(answer.data.message, "error");
      day.value = answer.data.date;
      csv.href = `${Api.root()}${hallPath}/audit.csv?date=${answer.data.date}`;
      const rows = answer.data.records.map((r) =>
        el(
          "tr",
          {},
          el("td", { text: r.at.slice(11, 19) }),
          el("td", { text: r.actor }),
          el("td", { text: r.action }),
          el("td", { text: r.target }),
          el("td", {}, change(r.before)),
          el("td", {}, change(r.after)),
        ),
      );
      body.replaceChildren(...(rows.length ? rows : [el("tr", {}, el("td", { colspan: 6, class: "muted", text: "当天没有操作记录" }))]));
    }

    function change(values) {
      return el("pre", { class: "change", text: values ? JSON.stringify(values, null, 1) : "—" });
    }

    day.addEventListener("change", load);
    await load();
  },
});
