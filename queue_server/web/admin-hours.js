// The console's hours section: weekly sessions with a midday break, closed
// dates and the national holiday calendar (PUT /api/halls/{hall}/hours); the
// 专项服务 extra sessions outside the usual hours (PUT …/extra-sessions); and
// today's sessions with the supervisor's 延时服务, if any.
"use strict";

AdminConsole.section({
  id: "hours",
  title: "办公时间",
  order: 20,
  render: async (root, ctx) => {
    const DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
    const DAY_ZH = Object.fromEntries(DAYS.map((d, i) => [d, `周${"一二三四五六日"[i]}`]));
    const hallPath = `/api/halls/${encodeURIComponent(ctx.hall)}`;
    const [view, catalogue] = await Promise.all([ctx.hallView(), ctx.call("GET", "/api/services")]);
    const names = new Map(catalogue.ok ? catalogue.data.services.map((s) => [s.code, s.name]) : []);
    const week = weekForm(view.hours.weekly);
    const closed = closedDates(view.hours.closed_dates);
    const holidays = el("input", { type: "checkbox", id: "hours-holidays", checked: view.hours.holidays === "cn" });
    const save = el("button", { type: "button", class: "primary", id: "hours-save", text: "保存办公时间" });

    save.addEventListener("click", async () => {
      const weekly = week.collect();
      if (!weekly) return;
      const body = { weekly, closed_dates: closed.dates(), holidays: holidays.checked ? "cn" : null };
      const answer = await ctx.call("PUT", `${hallPath}/hours`, body);
      if (!answer.ok) return ctx.say(answer.data.message, "error");
      ctx.say("办公时间已保存，取号机即时生效");
      ctx.refresh();
    });

    root.append(
      el("h2", { text: "办公时间" }),
      today(view.today),
      el("div", { class: "card" }, el("h3", { text: "每周办公时间" }), week.table,
        el("p", { class: "muted", text: "每天最多两个时段：上午和午休后的下午；只有一个时段的，下午留空。不勾选「办公」的日子不办公。" })),
      el("div", { class: "card" }, el("h3", { text: "不办公日期" }), closed.box),
      calendarCard(view.calendar),
      el("div", { class: "row actions" }, save),
      extraCard(view.extra_sessions, view.services),
    );

    // ------------------------------------------------------------ today

    function today(t) {
      const weekday = DAY_ZH[DAYS[(new Date(`${t.date}T00:00:00Z`).getUTCDay() + 6) % 7]];
      const sessions = t.sessions.length ? t.sessions.map(([s, e]) => `${s}–${e}`).join("、") : "今天不办公";
      const closes = t.closes_at ? `，${t.closes_at.slice(11, 16)} 停止取号` : "";
      const extended = t.extended
        ? el("strong", { class: "extended", text: `今日延时服务至 ${t.extended.until}（已取号的群众继续办理）` })
        : el("span", { class: "muted", text: "今日未延时（值班主管可在主管台延时服务）" });
      return el("div", { class: "card", id: "hours-today" },
        el("p", { text: `今天 ${t.date}（${weekday}）：${sessions}${closes}` }), extended);
    }

    // ------------------------------------------------------------ the week

    // 24-hour "09:00" whatever the desk's locale (a time input may show AM/PM).
    function timeInput(id, value) {
      return el("input", {
        id, value: value || "", class: "time", size: 5, maxlength: 5,
        placeholder: "--:--", pattern: "[0-2][0-9]:[0-5][0-9]", inputmode: "numeric",
      });
    }

    function weekForm(weekly) {
      const rows = {};
      const body = el("tbody");
      for (const day of DAYS) {
        const spans = weekly[day] || [];
        const open = el("input", { type: "checkbox", id: `hours-open-${day}`, checked: spans.length > 0 });
        const times = [0, 1].map((i) => ({
          start: timeInput(`hours-${day}-${i + 1}-start`, (spans[i] || [])[0]),
          end: timeInput(`hours-${day}-${i + 1}-end`, (spans[i] || [])[1]),
        }));
        // Sessions past the second are kept as they are: the form shows two.
        rows[day] = { open, times, more: spans.slice(2) };
        const enable = () => times.forEach((t) => { t.start.disabled = t.end.disabled = !open.checked; });
        open.addEventListener("change", enable);
        enable();
        body.append(el("tr", { id: `hours-row-${day}` },
          el("th", { text: DAY_ZH[day] }),
          el("td", {}, el("label", {}, open, " 办公")),
          el("td", {}, times[0].start, " – ", times[0].end),
          el("td", {}, times[1].start, " – ", times[1].end),
          el("td", { class: "muted", text: rows[day].more.length ? `另有 ${rows[day].more.length} 个时段（保留不变）` : "" }),
        ));
      }
      const copy = el("button", { type: "button", id: "hours-copy-monday", text: "周二至周五同周一" });
      copy.addEventListener("click", () => {
        for (const day of DAYS.slice(1, 5)) {
          rows[day].open.checked = rows.mon.open.checked;
          rows[day].open.dispatchEvent(new Event("change"));
          rows[day].times.forEach((t, i) => {
            t.start.value = rows.mon.times[i].start.value;
            t.end.value = rows.mon.times[i].end.value;
          });
        }
      });
      const table = el("div", {},
        el("table", { class: "grid", id: "hours-week" },
          el("thead", {}, el("tr", {}, ...["", "", "上午", "下午（午休后）", ""].map((t) => el("th", { text: t })))),
          body),
        el("p", {}, copy));

      /** The weekly hours as the API takes them, or null (and a message) if a day is half filled. */
      function collect() {
        const weeklyOut = {};
        for (const day of DAYS) {
          const row = rows[day];
          if (!row.open.checked) continue;
          const spans = row.times.filter((t) => t.start.value || t.end.value).map((t) => [t.start.value, t.end.value]);
          if (!spans.length) {
            ctx.say(`${DAY_ZH[day]}勾选了办公，但没有填写时段`, "error");
            return null;
          }
          weeklyOut[day] = [...spans, ...row.more];
        }
        return weeklyOut;
      }
      return { table, collect };
    }

    // ------------------------------------------------------------ closed dates

    function closedDates(initial) {
      const chosen = new Set(initial);
      const list = el("ul", { class: "dates", id: "hours-closed-list" });
      const input = el("input", { type: "date", id: "hours-closed-new" });
      const add = el("button", { type: "button", id: "hours-closed-add", text: "添加" });
      function draw() {
        list.replaceChildren(...[...chosen].sort().map((d) => {
          const remove = el("button", { type: "button", class: "danger", text: "删除", "data-date": d });
          remove.addEventListener("click", () => { chosen.delete(d); draw(); });
          return el("li", {}, el("span", { text: d }), remove);
        }));
        if (!chosen.size) list.append(el("li", { class: "muted", text: "没有（节假日可打开下方的法定节假日日历）" }));
      }
      add.addEventListener("click", () => {
        if (!input.value) return ctx.say("请先选择日期", "error");
        chosen.add(input.value);
        input.value = "";
        draw();
      });
      draw();
      return { box: el("div", {}, list, el("div", { class: "row" }, el("label", { class: "field" }, "日期", input), add)), dates: () => [...chosen].sort() };
    }

    // ------------------------------------------------------------ holiday calendar

    function calendarCard(calendar) {
      const card = el("div", { class: "card", id: "hours-calendar" },
        el("h3", { text: "法定节假日" }),
        el("label", {}, holidays, " 按国家法定节假日放假，调休上班日照常办公"),
        el("p", { class: "muted", text: "调休上班的周末按周一的办公时间办公（周一不办公的大厅，按周二至周五中第一个办公日的时间）。「不办公日期」优先于日历。" }));
      if (!calendar) return card;
      if (calendar.warning) card.append(el("p", { class: "warn", id: "hours-calendar-warning", text: calendar.warning }));
      const rows = calendar.upcoming.map((d) => el("tr", {},
        el("td", { text: d.date }),
        el("td", { text: d.holiday }),
        el("td", { text: d.working ? "调休上班（办公）" : "放假（不办公）" })));
      card.append(rows.length
        ? el("table", { class: "grid", id: "hours-upcoming" },
          el("thead", {}, el("tr", {}, ...["日期", "节日", "大厅"].map((t) => el("th", { text: t })))),
          el("tbody", {}, ...rows))
        : el("p", { class: "muted", text: `今后 60 天内没有已收录的节假日（日历收录 ${calendar.years[0]}–${calendar.years[1]} 年）` }));
      return card;
    }

    // ------------------------------------------------------------ 专项服务 extra sessions

    function extraCard(sessions, offered) {
      const body = el("tbody");
      const put = async (list, done) => {
        const answer = await ctx.call("PUT", `${hallPath}/extra-sessions`, { sessions: list });
        if (!answer.ok) return ctx.say(answer.data.message, "error");
        ctx.say(done);
        ctx.refresh();
      };
      sessions.forEach((s, i) => {
        const remove = el("button", { type: "button", class: "danger", text: "删除", id: `extra-remove-${i}` });
        remove.addEventListener("click", () => put(sessions.filter((_, j) => j !== i), "已删除专项服务时段"));
        body.append(el("tr", {},
          el("td", { text: s.date }),
          el("td", { text: `${s.start}–${s.end}` }),
          el("td", { text: s.services ? s.services.map((c) => names.get(c) || c).join("、") : "所有事项" }),
          el("td", { text: s.label || "" }),
          el("td", {}, remove)));
      });
      if (!sessions.length) body.append(el("tr", {}, el("td", { colspan: 5, class: "muted", text: "暂无专项服务时段" })));

      const date = el("input", { type: "date", id: "extra-date" });
      const start = timeInput("extra-start", "09:00");
      const end = timeInput("extra-end", "12:00");
      const label = el("input", { id: "extra-label", maxlength: 40, size: 24, placeholder: "如：学生港澳通行证延时服务专场" });
      const items = el("select", { id: "extra-services", multiple: true, size: 6 },
        ...offered.map((code) => el("option", { value: code, text: `${names.get(code) || code}（${code}）` })));
      const add = el("button", { type: "button", class: "primary", id: "extra-add", text: "添加时段" });
      add.addEventListener("click", () => {
        const codes = [...items.selectedOptions].map((o) => o.value);
        const session = { date: date.value, start: start.value, end: end.value, label: label.value };
        if (codes.length) session.services = codes;
        put([...sessions, session], "已添加专项服务时段");
      });
      return el("div", { class: "card", id: "extra-sessions" },
        el("h3", { text: "专项服务时段（正常办公时间以外的延时服务专场）" }),
        el("table", { class: "grid", id: "extra-table" },
          el("thead", {}, el("tr", {}, ...["日期", "时间", "办理事项", "名称", ""].map((t) => el("th", { text: t })))),
          body),
        el("div", { class: "row" },
          el("label", { class: "field" }, "日期", date),
          el("label", { class: "field" }, "开始", start),
          el("label", { class: "field" }, "结束", end),
          el("label", { class: "field" }, "名称", label),
          el("label", { class: "field" }, "只办理这些事项（不选则所有事项）", items),
          add),
        el("p", { class: "muted", text: "专场时段内，未选中的事项取号时会被告知请在正常办公时间办理。" }));
    }
  },
});
