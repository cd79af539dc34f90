/** Percentiles and the printed table. */

/** Nearest-rank percentile of an array of numbers (p in 0..100). */
export function percentile(values, p) {
  if (values.length === 0) return NaN;
  const sorted = Float64Array.from(values).sort();
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

/** {n, p50, p99, mean} of latencies in ms. */
export function summarize(ms) {
  const mean = ms.reduce((a, b) => a + b, 0) / (ms.length || 1);
  return { n: ms.length, p50: round(percentile(ms, 50), 4), p99: round(percentile(ms, 99), 4), mean: round(mean, 4) };
}

export function round(x, digits = 2) {
  if (!Number.isFinite(x)) return x;
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** Milliseconds, readable: µs below 1 ms. */
export function fmtMs(ms) {
  if (!Number.isFinite(ms)) return '—';
  if (ms < 1) return `${(ms * 1000).toFixed(0)} µs`;
  if (ms < 100) return `${ms.toFixed(2)} ms`;
  return `${ms.toFixed(0)} ms`;
}

export function fmtRate(perSec) {
  if (!Number.isFinite(perSec)) return '—';
  return perSec >= 100 ? Math.round(perSec).toLocaleString('en-US') : perSec.toFixed(1);
}

export function fmtMb(bytes) {
  return `${(bytes / 1024 / 1024).toFixed(0)} MB`;
}

/** A plain-text table: `rows` are arrays of cells, the first row the header. */
export function table(rows) {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i] ?? '').length)));
  const line = (r) => r.map((c, i) => (i === 0 ? String(c ?? '').padEnd(widths[i]) : String(c ?? '').padStart(widths[i]))).join('  ');
  const sep = widths.map((w) => '-'.repeat(w)).join('  ');
  return [line(rows[0]), sep, ...rows.slice(1).map(line)].join('\n');
}
