// Small SVG charts drawn from scratch each update: line charts of a few series over time, horizontal bars (with an
// optional threshold mark), and a disk gauge. Sizes are in viewBox units; CSS scales them to the card's width.
// Colours come from CSS classes s0..s5, so the palette lives in ui.css.
import { svg } from './dom.js';

const Width = 480;

/** series: [{ name, points: [[x, y], ...] }]; draws nothing but the frame until a series has two points. */
export function lineChart(series, { height = 140, format = String, xFormat = null } = {}) {
  const pad = { left: 52, right: 8, top: 8, bottom: xFormat ? 20 : 8 };
  const all = series.flatMap(s => s.points);
  const chart = svg('svg', { class: 'chart', viewBox: `0 0 ${Width} ${height}`, role: 'img' });
  const xs = all.map(p => p[0]);
  const ys = all.map(p => p[1]).filter(y => y !== null && Number.isFinite(y));
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  const y1 = Math.max(...ys, 0) * 1.1 || 1;
  const x = v => pad.left + (x1 > x0 ? (v - x0) / (x1 - x0) : 0.5) * (Width - pad.left - pad.right);
  const y = v => height - pad.bottom - (v / y1) * (height - pad.top - pad.bottom);
  for (const fraction of [0, 0.5, 1]) {
    const v = y1 * fraction;
    chart.append(svg('line', { class: 'grid', x1: pad.left, x2: Width - pad.right, y1: y(v), y2: y(v) }));
    chart.append(svg('text', { class: 'axis', x: pad.left - 4, y: y(v) + 4, 'text-anchor': 'end' }, format(v)));
  }
  if (xFormat && xs.length > 0) {
    chart.append(svg('text', { class: 'axis', x: pad.left, y: height - 4 }, xFormat(x0)));
    chart.append(svg('text', { class: 'axis', x: Width - pad.right, y: height - 4, 'text-anchor': 'end' }, xFormat(x1)));
  }
  series.forEach((s, i) => {
    const points = s.points.filter(p => p[1] !== null && Number.isFinite(p[1]));
    if (points.length > 1) {
      chart.append(svg('polyline', { class: `line s${i % 6}`, points: points.map(p => `${x(p[0]).toFixed(1)},${y(p[1]).toFixed(1)}`).join(' ') }));
    }
    for (const p of points.length === 1 ? points : []) {
      chart.append(svg('circle', { class: `dot s${i % 6}`, cx: x(p[0]), cy: y(p[1]), r: 3 }));
    }
  });
  return chart;
}

/** A legend for lineChart's series, same colour classes. */
export const legend = names =>
  svg('svg', { class: 'legend', viewBox: `0 0 ${Width} ${16 * Math.ceil(Math.max(1, names.length) / 4)}` },
    ...names.map((name, i) => svg('g', { transform: `translate(${(i % 4) * 120},${Math.floor(i / 4) * 16})` },
      svg('rect', { class: `swatch s${i % 6}`, x: 0, y: 3, width: 10, height: 10, rx: 2 }),
      svg('text', { class: 'axis', x: 14, y: 12 }, name))));

/**
 * rows: [{ label, value, text, path, threshold }]: one bar each, scaled to the largest value (or threshold); a bar
 * past its threshold is marked `over`. Each bar's text element carries data-path and data-value for tests.
 */
export function barChart(rows, { max = null } = {}) {
  const rowHeight = 24;
  const labelWidth = 150;
  const textWidth = 110;
  const top = Math.max(max ?? 0, ...rows.map(r => Math.max(r.value ?? 0, r.threshold ?? 0))) || 1;
  const span = Width - labelWidth - textWidth;
  const chart = svg('svg', { class: 'chart bars', viewBox: `0 0 ${Width} ${Math.max(1, rows.length) * rowHeight}`, role: 'img' });
  rows.forEach((r, i) => {
    const y = i * rowHeight;
    const over = r.threshold !== undefined && r.threshold !== null && r.value > r.threshold;
    chart.append(svg('text', { class: 'label', x: 0, y: y + 16 }, r.label));
    chart.append(svg('rect', { class: 'track', x: labelWidth, y: y + 5, width: span, height: 14, rx: 3 }));
    chart.append(svg('rect', { class: over ? 'bar over' : `bar s${r.colour ?? 0}`, x: labelWidth, y: y + 5, width: Math.max(1, (Math.max(0, r.value ?? 0) / top) * span), height: 14, rx: 3 }));
    if (r.threshold !== undefined && r.threshold !== null) {
      const tx = labelWidth + (r.threshold / top) * span;
      chart.append(svg('line', { class: 'threshold', x1: tx, x2: tx, y1: y + 2, y2: y + 22 }));
    }
    const value = r.value === null || r.value === undefined ? 'null' : String(r.value);
    chart.append(svg('text', { class: 'value', x: Width, y: y + 16, 'text-anchor': 'end', 'data-path': r.path, 'data-value': value }, r.text));
  });
  return chart;
}

/** The disk gauge: the log on disk against its budget, with the file system's free room beside it. */
export function diskGauge(used, budget, free) {
  const height = 34;
  const room = Math.max(1, Math.min(budget, used + Math.max(0, free)));
  const chart = svg('svg', { class: 'chart gauge', viewBox: `0 0 ${Width} ${height}`, role: 'img' });
  const scale = v => (Math.max(0, v) / Math.max(budget, 1)) * Width;
  chart.append(svg('rect', { class: 'track', x: 0, y: 4, width: Width, height: 18, rx: 4 }));
  chart.append(svg('rect', { class: 'room', x: 0, y: 4, width: scale(room), height: 18, rx: 4 }));
  chart.append(svg('rect', { class: used > budget * 0.9 ? 'bar over' : 'bar s0', x: 0, y: 4, width: Math.max(2, scale(used)), height: 18, rx: 4 }));
  chart.append(svg('text', { class: 'axis', x: 0, y: 33 }, '0'));
  chart.append(svg('text', { class: 'axis', x: Width, y: 33, 'text-anchor': 'end' }, 'budget'));
  return chart;
}
