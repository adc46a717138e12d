// The console's devices section: every credential of the hall (kiosks,
// displays, evaluators, older tokens) with its last heartbeat and printer
// fault; a new device credential handed over by a one-time link and its QR;
// revocation at once (GET/POST /api/halls/{hall}/devices, POST /api/tokens/{id}/revoke).
"use strict";

(() => {
  const REFRESH_MS = 15000;
  let refreshTimer = null; // one at a time, however often the section is drawn
  const KINDS = {
    kiosk: { role: "kiosk", text: "取号机", window: false },
    display: { role: "display", text: "综合屏（大厅）", window: false },
    "window-screen": { role: "display", text: "窗口屏（窗口上方）", window: true },
    evaluator: { role: "evaluator", text: "评价器", window: true },
  };
  const CREDENTIAL_ZH = {
    active: "正常",
    unclaimed: "待启用",
    expired: "已过期",
    revoked: "已吊销",
  };

  function roleText(d) {
    if (d.role === "kiosk") return "取号机";
    if (d.role === "display") return d.window ? "窗口屏" : "综合屏";
    if (d.role === "window") return "窗口 / 评价器";
    if (d.role === "supervisor") return "主管令牌";
    return d.role;
  }

  /** "刚刚", "3 分钟前", "2 小时前", "5 天前"; "从未" with no heartbeat. */
  function ago(iso, now = Date.now()) {
    if (!iso) return "从未";
    const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
    if (s < 60) return "刚刚";
    if (s < 3600) return `${Math.floor(s / 60)} 分钟前`;
    if (s < 86400) return `${Math.floor(s / 3600)} 小时前`;
    return `${Math.floor(s / 86400)} 天前`;
  }

  function credential(d, now) {
    if (d.credential === "unclaimed" && d.link_expires_at && Date.parse(d.link_expires_at) <= now) {
      return "链接已过期（未启用）";
    }
    return CREDENTIAL_ZH[d.credential] || d.credential;
  }

  AdminConsole.section({
    id: "devices",
    title: "设备",
    order: 70,
    render: async (root, ctx) => {
      const path = `/api/halls/${encodeURIComponent(ctx.hall)}/devices`;
      const kind = el("select", { id: "device-kind" },
        ...Object.entries(KINDS).map(([value, k]) => el("option", { value, text: k.text })));
      const windowNo = el("input", { id: "device-window", type: "number", min: 1, max: 999, placeholder: "窗口号" });
      const label = el("input", { id: "device-label", maxlength: 60, placeholder: "如：东门取号机" });
      const days = el("select", { id: "device-days" },
        el("option", { value: "365", text: "一年" }),
        el("option", { value: "90", text: "90 天" }),
        el("option", { value: "30", text: "30 天" }),
        el("option", { value: "", text: "不过期（直到吊销）" }));
      const create = el("button", { id: "device-create", type: "submit", class: "primary", text: "创建并生成启用链接" });
      const windowField = el("label", { class: "field" }, "窗口", windowNo);
      const handover = el("div", { id: "device-handover", class: "card", hidden: true });
      const body = el("tbody");
      const refresh = el("button", { id: "devices-refresh", type: "button", "data-readonly-ok": true, text: "刷新" });

      root.append(
        el("h2", { text: "设备 Devices" }),
        el("form", { id: "device-form", class: "card row" },
          el("label", { class: "field" }, "类型", kind),
          windowField,
          el("label", { class: "field" }, "名称", label),
          el("label", { class: "field" }, "有效期", days),
          create),
        handover,
        el("div", { class: "card" },
          el("div", { class: "row" }, el("p", { class: "muted", text: "设备每 20 秒报一次心跳；2 分钟未报即显示离线。" }), refresh),
          el("table", { class: "grid", id: "devices-table" },
            el("thead", {}, el("tr", {}, ...["名称", "类型", "窗口", "凭证", "最后心跳", "故障", "有效期至", ""].map((t) => el("th", { text: t })))),
            body)),
      );

      function showWindowField() {
        // .field is display:flex, which the hidden attribute would not override.
        windowField.style.display = KINDS[kind.value].window ? "" : "none";
      }

      async function load() {
        const answer = await ctx.call("GET", path);
        if (!answer.ok) return ctx.say(answer.data.message, "error");
        const now = Date.now();
        // Working devices first, revoked and expired ones last.
        const rows = [...answer.data].sort((a, b) => Number(a.credential === "revoked" || a.credential === "expired") -
          Number(b.credential === "revoked" || b.credential === "expired"));
        body.replaceChildren(...(rows.length ? rows.map((d) => row(d, now)) : [
          el("tr", {}, el("td", { colspan: 8, class: "muted", text: "本大厅还没有设备" })),
        ]));
        if (ctx.readOnly) for (const b of body.querySelectorAll("button")) b.disabled = true;
      }

      function row(d, now) {
        const live = d.credential === "active" || d.credential === "unclaimed";
        const revoke = live
          ? el("button", { type: "button", class: "danger", "data-testid": `revoke-${d.id}`, text: "吊销", onclick: () => revokeDevice(d) })
          : "";
        const heard = el("td", { class: d.online ? "online" : "offline", text: d.seen_at ? `${ago(d.seen_at, now)}${d.online ? "" : "（离线）"}` : "从未" });
        return el("tr", { "data-device": d.id, class: live ? "" : "gone" },
          el("td", { text: d.label || "—" }),
          el("td", { text: roleText(d) }),
          el("td", { text: d.window ? `${d.window} 号` : "" }),
          el("td", { class: `credential ${d.credential}`, text: credential(d, now) }),
          heard,
          el("td", { class: d.fault ? "fault" : "", text: d.fault ? `${d.fault}${d.detail ? `：${d.detail}` : ""}` : "" }),
          el("td", { text: d.expires_at ? d.expires_at.slice(0, 10) : "不过期" }),
          el("td", {}, revoke));
      }

      async function revokeDevice(d) {
        if (!window.confirm(`确定吊销「${d.label || d.id}」吗？吊销后该设备立即无法使用，且不能恢复。`)) return;
        const answer = await ctx.call("POST", `/api/tokens/${encodeURIComponent(d.id)}/revoke`);
        if (!answer.ok) return ctx.say(answer.data.message, "error");
        ctx.say(`已吊销「${d.label || d.id}」`);
        await load();
      }

      async function submit(event) {
        event.preventDefault();
        const chosen = KINDS[kind.value];
        const request = { role: chosen.role, label: label.value.trim() };
        if (chosen.window) request.window = Number(windowNo.value) || null;
        if (days.value) request.expires_in_days = Number(days.value);
        const answer = await ctx.call("POST", path, request);
        if (!answer.ok) return ctx.say(answer.data.message, "error");
        showHandover(answer.data);
        label.value = "";
        ctx.say(`已创建「${answer.data.label}」：请在设备上打开启用链接`);
        await load();
      }

      function showHandover(made) {
        const link = el("a", { id: "device-link", href: made.link, target: "_blank", rel: "noreferrer", text: made.link });
        const qr = el("img", { id: "device-qr", alt: "启用链接二维码", width: 220, height: 220,
          src: `data:image/svg+xml;charset=utf-8,${encodeURIComponent(made.qr_svg)}` });
        handover.replaceChildren(
          el("h3", { text: `启用「${made.label}」` }),
          el("div", { class: "row" }, qr,
            el("div", {},
              el("p", { text: "在设备上打开下面的链接，或用设备扫描二维码：" }),
              el("p", { class: "link-line" }, link),
              el("p", { class: "muted", text: `链接只能打开一次，${made.link_expires_at.slice(0, 16).replace("T", " ")} 前有效。请勿转发；关闭本页后无法再次查看。` }))),
        );
        handover.hidden = false;
      }

      kind.addEventListener("change", showWindowField);
      root.querySelector("#device-form").addEventListener("submit", submit);
      refresh.addEventListener("click", load);
      showWindowField();
      await load();
      clearInterval(refreshTimer);
      refreshTimer = setInterval(() => {
        if (!root.isConnected || root.dataset.section !== "devices") clearInterval(refreshTimer);
        else load();
      }, REFRESH_MS);
    },
  });
})();
