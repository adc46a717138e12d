/*
 * The day and slot picker of the booking page, shared by a new booking
 * (book.js) and moving one (book-manage.js): the days up to the hall's horizon
 * (closed days shown, not offered), then the chosen day's slots with their
 * free places (GET /api/halls/{hall}/slots). Times are the hall's, as the
 * server writes them.
 */
"use strict";

const BookSlots = (() => {
  const { el } = Dom;
  const WEEK = ["日", "一", "二", "三", "四", "五", "六"];

  /** "11月26日 周四" (and 今天/明天) from "YYYY-MM-DD", whatever the phone's zone. */
  function dayLabel(iso, today) {
    const [y, m, d] = iso.split("-").map(Number);
    const weekday = WEEK[new Date(Date.UTC(y, m - 1, d)).getUTCDay()];
    const [ty, tm, td] = today.split("-").map(Number);
    const ahead = Math.round((Date.UTC(y, m - 1, d) - Date.UTC(ty, tm - 1, td)) / 86400000);
    const near = ahead === 0 ? "今天" : ahead === 1 ? "明天" : `周${weekday}`;
    return { date: `${m}月${d}日`, near };
  }

  const clock = (iso) => String(iso).slice(11, 16);

  /** "12月6日 今天 10:15-10:20" for a slot's start and end (the hall's times). */
  function when(start, end, today) {
    const day = dayLabel(String(start).slice(0, 10), today || String(start).slice(0, 10));
    return `${day.date} ${day.near} ${clock(start)}-${clock(end)}`;
  }

  /**
   * Mount the picker in `box`. `options`: {hall, service, days, today,
   * current (a slot start to show as taken by this booking), onPick(slot|null)}.
   */
  function mount(box, options) {
    const dayRow = el("div", "b-days");
    dayRow.setAttribute("role", "radiogroup");
    dayRow.setAttribute("aria-label", "日期");
    const slotBox = el("div", "b-slots");
    const note = el("p", "b-hint");
    box.replaceChildren(dayRow, slotBox, note);
    let chosenDay = null;

    for (const day of options.days) {
      const label = dayLabel(day.date, options.today);
      const button = el("button", "b-day", [el("b", null, label.date), el("span", null, day.open ? label.near : "休息")]);
      button.type = "button";
      button.dataset.date = day.date;
      button.disabled = !day.open;
      button.setAttribute("role", "radio");
      button.setAttribute("aria-checked", "false");
      button.addEventListener("click", () => chooseDay(day.date));
      dayRow.append(button);
    }
    note.textContent = "请选择日期";

    async function chooseDay(date) {
      chosenDay = date;
      for (const b of dayRow.children) b.setAttribute("aria-checked", String(b.dataset.date === date));
      options.onPick(null);
      slotBox.replaceChildren();
      note.textContent = "正在查询可预约时段…";
      const query = `service=${encodeURIComponent(options.service)}&date=${date}`;
      const reply = await Api.call("GET", `/api/halls/${encodeURIComponent(options.hall)}/slots?${query}`);
      if (chosenDay !== date) return; // another day was tapped meanwhile
      if (!reply.ok) {
        note.textContent = reply.data.message;
        return;
      }
      showSlots(reply.data.slots);
    }

    function showSlots(slots) {
      note.textContent = slots.length ? "请选择时段（括号内为剩余名额）" : "该日没有可预约的时段，请选择其他日期";
      for (const slot of slots) {
        const mine = slot.start === options.current;
        const full = slot.free <= 0;
        const state = mine ? "当前预约" : full ? "已约满" : `余 ${slot.free}`;
        const button = el("button", "b-slot", [el("b", null, `${clock(slot.start)}-${clock(slot.end)}`), el("span", null, state)]);
        button.type = "button";
        button.dataset.start = slot.start;
        button.disabled = mine || full;
        button.setAttribute("aria-pressed", "false");
        button.addEventListener("click", () => {
          for (const b of slotBox.children) b.setAttribute("aria-pressed", String(b === button));
          options.onPick({ date: chosenDay, ...slot });
        });
        slotBox.append(button);
      }
    }

    const first = options.days.find((d) => d.open);
    if (first) chooseDay(first.date);
  }

  return { mount, dayLabel, clock, when };
})();
