// Medians and ranges over rounds: on a shared, noisy machine, these hold where single figures do not.
export function summarize(values) {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (!sorted.length) return { median: NaN, min: NaN, max: NaN, values };
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { median, min: sorted[0], max: sorted.at(-1), values };
}

export const ratio = (service, floor) => (floor ? service / floor : NaN);

export function fmt(n, digits = 0) {
  return Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : 'n/a';
}

/** "median (min-max)" */
export function fmtRange(s, digits = 0) {
  return `${fmt(s.median, digits)} (${fmt(s.min, digits)}–${fmt(s.max, digits)})`;
}

export const log = (...parts) => console.log(`[${new Date().toISOString().slice(11, 19)}]`, ...parts);
