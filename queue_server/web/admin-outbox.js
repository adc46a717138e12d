// The console's 对外推送 section: what went to the provincial 好差评 platform
// and to visitors' phones (the 短信评价 link), what waits and what was given
// up, and every delivery attempt (GET /api/halls/{hall}/outbox). Read-only:
// no phone and no ticket id ever reach this page.
"use strict";

(() => {
  const STATUS_CLASS = { pending: "pending", delivered: "delivered", given_up: "given-up" };

  /** "2026-11-25T10:05:03+08:00" → "11-25 10:05:03" (the hall's own time). */
  function when(iso) {
    return iso ? iso.slice(5, 19).replace("T", " ") : "—";
  }

  AdminConsole.section({
    id: "outbox",
    title: "对外推送",
    order: 75,
    render: async (root, ctx) => {
      const path = `/api/halls/${encodeURIComponent(ctx.hall)}/outbox?limit=50`;
      const counts = el("p", { id: "outbox-counts", class: "outbox-counts" });
      const note = el("p", { id: "outbox-note", class: "muted", hidden: true });
      const refresh = el("button", { id: "outbox-refresh", type: "button", "data-readonly-ok": true, text: "刷新" });
      const messages = el("tbody");
      const attempts = el("tbody");
      const head = (titles) => el("thead", {}, el("tr", {}, ...titles.map((t) => el("th", { text: t }))));

      root.append(
        el("h2", { text: "对外推送 Outbox" }),
        el("div", { class: "card" },
          el("div", { class: "row" }, counts, refresh),
          note,
          el("p", { class: "muted", text: "评价与差评工单推送到省好差评平台，预约办事人办结后收到短信评价链接。失败的推送会自动重试（30 秒起，逐次加倍，最长 1 小时），20 次后放弃；平台拒收的记录立即放弃。" })),
        el("div", { class: "card" },
          el("h3", { text: "最近的消息" }),
          el("table", { class: "grid", id: "outbox-messages" },
            head(["编号", "生成时间", "去向", "内容", "状态", "尝试次数", "下次尝试", "最近错误"]), messages)),
        el("div", { class: "card" },
          el("h3", { text: "发送记录" }),
          el("table", { class: "grid", id: "outbox-deliveries" },
            head(["时间", "消息编号", "结果", "HTTP", "说明", "耗时"]), attempts)),
      );

      async function load() {
        const answer = await ctx.call("GET", path);
        if (!answer.ok) return ctx.say(answer.data.message, "error");
        const data = answer.data;
        const c = data.counts;
        counts.replaceChildren(
          el("span", { class: "count pending", text: `待发送 ${c.pending}` }),
          el("span", { class: "count delivered", text: `已送达 ${c.delivered}` }),
          el("span", { class: `count given-up${c.given_up ? " alarm" : ""}`, text: `已放弃（失败） ${c.given_up}` }),
        );
        note.hidden = data.configured.province;
        note.textContent = "本服务器未设置省平台地址（QUEUE_PROVINCE_URL）：评价数据不推送省平台，短信照常发送。";
        messages.replaceChildren(...(data.messages.length ? data.messages.map(message) : [
          el("tr", {}, el("td", { colspan: 8, class: "muted", text: "还没有对外推送的消息" })),
        ]));
        attempts.replaceChildren(...(data.deliveries.length ? data.deliveries.map(attempt) : [
          el("tr", {}, el("td", { colspan: 6, class: "muted", text: "还没有发送记录" })),
        ]));
      }

      function message(m) {
        return el("tr", { "data-message": m.id, class: STATUS_CLASS[m.status] || "" },
          el("td", { text: `#${m.id}` }),
          el("td", { text: when(m.created_at) }),
          el("td", { text: m.channel_name }),
          el("td", { text: m.about ? `${m.kind_name}：${m.about}` : m.kind_name }),
          el("td", { class: `outcome ${STATUS_CLASS[m.status] || ""}`, text: m.status_name }),
          el("td", { text: String(m.attempts) }),
          el("td", { text: m.next_at ? when(m.next_at) : "—" }),
          el("td", { class: "error", text: m.last_error || "" }));
      }

      function attempt(d) {
        return el("tr", { class: d.ok ? "delivered" : "failed" },
          el("td", { text: when(d.at) }),
          el("td", { text: `#${d.outbox_id}` }),
          el("td", { class: `outcome ${d.ok ? "delivered" : "given-up"}`, text: d.ok ? "成功" : "失败" }),
          el("td", { text: d.status == null ? "—" : String(d.status) }),
          el("td", { text: d.detail }),
          el("td", { text: `${d.ms} 毫秒` }));
      }

      refresh.addEventListener("click", load);
      await load();
    },
  });
})();
