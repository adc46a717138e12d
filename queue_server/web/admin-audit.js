// The console's audit section: who changed what in the hall's set-up, when,
// from what to what (GET /api/halls/{hall}/audit?date=), and its CSV.
"use strict";

// The server's action codes in the hall's words; a code not listed shows as is.
const AUDIT_ACTIONS = {
  "hall.create": "创建大厅",
  "hall.update": "修改大厅信息",
  "hall.extend": "延时服务",
  "hours.put": "修改办公时间",
  "hours.extra_sessions": "修改延时服务专场",
  "policy.update": "修改调度规则",
  "policy.tradeoff": "选择调度取舍",
  "catalogue.item": "修改事项设置",
  "window.put": "设置窗口",
  "window.open": "开窗",
  "window.close": "关窗",
  "window.sign_in": "窗口签到",
  "window.sign_out": "窗口签退",
  "staff.create": "新增工作人员",
  "staff.change": "修改工作人员",
  "green_channel.add": "开设临时绿色通道",
  "webhook.create": "新增推送订阅",
  "webhook.delete": "删除推送订阅",
  "green_channel.remove": "撤销临时绿色通道",
  "ticket.cancel": "取消号码",
  "ticket.issue_for": "导办代取号",
  "ticket.green_confirm": "确认绿色通道",
  "ticket.green_remove": "取消绿色通道",
  "declared_groups.set": "设置绿色通道群体",
  "alert.ack": "确认预警",
  "case.open": "代为反映办不成事",
  "case.verify": "核实工单",
  "case.rectify": "工单整改",
  "case.callback": "工单回访",
  "case.callback_failed": "工单回访未联系上",
  "case.close": "工单办结",
  "case.dismiss": "工单认定不实",
  "case.assign": "指派工单",
  "home_visit.schedule": "安排上门服务",
  "home_visit.decline": "上门服务不予安排",
  "home_visit.done": "上门服务登记办结",
  "home_visit.open_contact": "查看上门地址和电话",
  "feedback.put": "修改好差评原因",
  "token.create": "创建令牌",
  "token.revoke": "吊销令牌",
  "device.link": "生成设备领取链接",
  "device.claim": "设备领取凭证",
};

const ROLE_WORDS = {
  admin: "管理员",
  supervisor: "值班主管",
  clerk: "窗口工作人员",
  window: "窗口",
  kiosk: "取号机",
  display: "显示屏",
};

/** "window:staff C001@h1#4" → "工号 C001（窗口 · 4 号窗口）"; "admin:admin" → "系统管理员令牌". */
function actorWords(actor) {
  const found = /^(\w+):(staff (\S+?)|[^@#]+)(?:@[^#]+)?(?:#(\d+))?$/.exec(actor);
  if (!found) return actor;
  const [, role, , staffNo, window] = found;
  const where = window ? ` · ${window} 号窗口` : "";
  if (staffNo) return `工号 ${staffNo}（${ROLE_WORDS[role] || role}${where}）`;
  if (actor === "admin:admin") return "系统管理员令牌";
  return `${ROLE_WORDS[role] || role}令牌${where}`;
}

/** "window 4" → "4 号窗口", "token ab12" → "令牌 ab12"; anything else as it is. */
function targetWords(target) {
  const window = /^window (\d+)$/.exec(target);
  if (window) return `${window[1]} 号窗口`;
  return target.replace(/^token /, "令牌 ");
}

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
          el("td", { text: actorWords(r.actor), title: r.actor }),
          el("td", { text: AUDIT_ACTIONS[r.action] || r.action, title: r.action }),
          el("td", { text: targetWords(r.target) }),
          el("td", {}, change(r.before)),
          el("td", {}, change(r.after)),
        ),
      );
      body.replaceChildren(...(rows.length ? rows : [el("tr", {}, el("td", { colspan: 6, class: "muted", text: "当天没有操作记录" }))]));
    }

    /** One line per setting changed, its value in compact JSON. */
    function change(values) {
      const lines = values ? Object.entries(values).map(([k, v]) => `${k}: ${JSON.stringify(v)}`) : ["—"];
      return el("pre", { class: "change", text: lines.join("\n") });
    }

    day.addEventListener("change", load);
    await load();
  },
});
