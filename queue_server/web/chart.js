/*
 * Arrivals and waits per hour (GET /stats by_hour) as a small SVG chart: bars
 * for arrivals (left scale), a line for the mean wait in minutes (right scale).
 *
 * geometry() is pure: numbers in, shapes out, so the layout is testable and
 * the drawing below stays a plain transcription. No chart library: the pages
 * load nothing from outside the server.
 */
const HourChart = (() => {
  "use strict";

  const PAD = { left: 56, right: 60, top: 16, bottom: 40 };
  const FIRST_HOUR = 8; // a hall day shown at least from 8 to 18 o'clock,
  const LAST_HOUR = 18; // widened when tickets came earlier or later
  const MIN_LABEL_GAP = 28; // user units between hour labels ("10" at 16 units wide)

  /** A round step for about `parts` gridlines up to `max`: 1, 2, 5, 10, 20, 50… */
  function niceStep(max, parts) {
    const raw = Math.max(1, max) / parts;
    const magnitude = 10 ** Math.floor(Math.log10(raw));
    const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw);
    return Math.max(1, step);
  }

  /**
   * Shapes for `byHour` ([{hour, arrivals, wait_s: {mean}}]) in a box of
   * `width` x `height` user units: bars, wait points, both axes' ticks.
   */
  function geometry(byHour, width, height) {
    const rows = byHour || [];
    const hours = rows.map((r) => r.hour);
    const first = Math.min(FIRST_HOUR, ...hours);
    const last = Math.max(LAST_HOUR - 1, ...hours);
    const slots = last - first + 1;
    const plotW = width - PAD.left - PAD.right;
    const plotH = height - PAD.top - PAD.bottom;
    const slotW = plotW / slots;

    const maxArrivals = Math.max(1, ...rows.map((r) => r.arrivals));
    const arrivalStep = niceStep(maxArrivals, 4);
    const arrivalTop = Math.ceil(maxArrivals / arrivalStep) * arrivalStep;
    const waits = rows.filter((r) => r.wait_s && r.wait_s.mean !== null && r.wait_s.mean !== undefined);
    const maxWaitMin = Math.max(1, ...waits.map((r) => r.wait_s.mean / 60));
    const waitStep = niceStep(maxWaitMin, 4);
    const waitTop = Math.ceil(maxWaitMin / waitStep) * waitStep;

    const y = (value, top) => PAD.top + plotH - (value / top) * plotH;
    const xCentre = (hour) => PAD.left + (hour - first + 0.5) * slotW;
    const ticks = (top, step) => Array.from({ length: Math.round(top / step) + 1 }, (_, i) => i * step);

    return {
      width,
      height,
      plot: { left: PAD.left, top: PAD.top, right: PAD.left + plotW, bottom: PAD.top + plotH },
      bars: rows.map((r) => {
        const top = y(r.arrivals, arrivalTop);
        const x = xCentre(r.hour) - slotW * 0.35;
        return { hour: r.hour, arrivals: r.arrivals, x, y: top, w: slotW * 0.7, h: PAD.top + plotH - top };
      }),
      points: waits.map((r) => ({
        hour: r.hour,
        minutes: Math.round(r.wait_s.mean / 60),
        x: xCentre(r.hour),
        y: y(r.wait_s.mean / 60, waitTop),
      })),
      // Every hour labelled when there is room, else every other one.
      hourTicks: Array.from({ length: slots }, (_, i) => ({ hour: first + i, x: xCentre(first + i) }))
        .filter((t) => slotW >= MIN_LABEL_GAP || (t.hour - first) % 2 === 0),
      leftTicks: ticks(arrivalTop, arrivalStep).map((v) => ({ value: v, y: y(v, arrivalTop) })),
      rightTicks: ticks(waitTop, waitStep).map((v) => ({ value: v, y: y(v, waitTop) })),
    };
  }

  // ------------------------------------------------------------ drawing

  const NS = "http://www.w3.org/2000/svg";

  function node(tag, attributes, text) {
    const n = document.createElementNS(NS, tag);
    for (const [k, v] of Object.entries(attributes)) n.setAttribute(k, String(v));
    if (text !== undefined) n.textContent = text;
    return n;
  }

  /** Replace the contents of `svg` with the chart of `g` (a geometry()). */
  function draw(svg, g) {
    svg.setAttribute("viewBox", `0 0 ${g.width} ${g.height}`);
    const parts = [];
    for (const t of g.leftTicks) {
      parts.push(node("line", { class: "grid", x1: g.plot.left, x2: g.plot.right, y1: t.y, y2: t.y }));
      parts.push(node("text", { class: "tick left", x: g.plot.left - 8, y: t.y + 5 }, String(t.value)));
    }
    for (const t of g.rightTicks) {
      parts.push(node("text", { class: "tick right", x: g.plot.right + 8, y: t.y + 5 }, String(t.value)));
    }
    for (const b of g.bars) {
      const bar = node("rect", { class: "bar", x: b.x, y: b.y, width: b.w, height: Math.max(0, b.h) });
      bar.append(node("title", {}, `${b.hour}时 取号 ${b.arrivals} 人`));
      parts.push(bar);
    }
    if (g.points.length > 1) {
      parts.push(node("polyline", { class: "wait-line", points: g.points.map((p) => `${p.x},${p.y}`).join(" ") }));
    }
    for (const p of g.points) {
      const dot = node("circle", { class: "wait-dot", cx: p.x, cy: p.y, r: 5 });
      dot.append(node("title", {}, `${p.hour}时 平均等候 ${p.minutes} 分`));
      parts.push(dot);
    }
    for (const t of g.hourTicks) {
      parts.push(node("text", { class: "tick hour", x: t.x, y: g.plot.bottom + 26 }, `${t.hour}`));
    }
    const { left, right, bottom } = g.plot;
    parts.push(node("line", { class: "axis", x1: left, x2: right, y1: bottom, y2: bottom }));
    svg.replaceChildren(...parts);
  }

  return Object.freeze({ geometry, draw, niceStep });
})();
