// How numbers read on the page: short, with units, never a long float. Every shown figure keeps its raw value in
// data-value beside data-path (the JSON path it came from), so a test can compare the page with the API exactly.

const Units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

export function bytes(n) {
  if (n === null || n === undefined || n < 0) {
    return '–';
  }
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < Units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(value < 10 && unit > 0 ? 1 : 0)} ${Units[unit]}`;
}

export function count(n) {
  if (n === null || n === undefined) {
    return '–';
  }
  return Math.abs(n) >= 1e6 ? `${(n / 1e6).toFixed(2)} M` : Math.round(n).toLocaleString('en-US');
}

/** An axis label: one decimal below 10, so a small scale does not read "1, 1, 0". */
export const axis = n => (n < 10 ? n.toFixed(1) : count(n));

/** A stored value: at most six significant digits (44.800000000000004 reads 44.8). */
export const value = n => (typeof n === 'number' ? String(Number(n.toPrecision(6))) : String(n));

export function rate(n) {
  return n === null || n === undefined ? '–' : `${n < 10 ? n.toFixed(1) : count(n)}/s`;
}

export function ms(n) {
  return n === null || n === undefined ? '–' : `${n < 10 ? n.toFixed(2) : n.toFixed(0)} ms`;
}

export function duration(seconds) {
  const s = Math.floor(seconds);
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  return d > 0 ? `${d}d ${h}h` : h > 0 ? `${h}h ${m}m` : `${m}m ${s % 60}s`;
}

/** Sets an element's text and the raw figure a test compares (null shows as a dash, data-value "null"). */
export function show(element, value, text) {
  element.textContent = text;
  element.dataset.value = value === null || value === undefined ? 'null' : String(value);
}
