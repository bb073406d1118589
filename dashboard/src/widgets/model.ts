// What each component kind's data means, read generically from its spec and data (pure, tested).
// A strategy declares a component with a kind and a JSON spec, then sends JSON data; these functions
// turn both into what the renderers draw. They accept the shapes the strategies send today
// (strategies/efficient_frontier, strategies/demo) and the plain variants a new strategy would use.
import { isNumber, isObject, str, strings } from "./types";

// --- scatter ----------------------------------------------------------------------------------

export interface XY {
  x: number;
  y: number;
  /** The point as the strategy sent it (its index, weights, ...). */
  raw: unknown;
}

export interface ScatterSeries {
  name: string;
  points: XY[];
  /** "main": the pickable points (data.points); "marker": one named point; "cloud": [x, y] pairs. */
  role: "main" | "points" | "marker" | "cloud";
}

export interface ScatterModel {
  x: string;
  y: string;
  series: ScatterSeries[];
  /** Picking a main point sends {[payloadKey]: point[field]}; null when the component takes no pick. */
  pick: { payloadKey: string; field: string } | null;
  /** Named targets to pick (spec.targets): each sends {target: name}. */
  targets: string[];
}

function xyOf(v: unknown, x: string, y: string): XY | null {
  if (isObject(v) && isNumber(v[x]) && isNumber(v[y])) return { x: v[x] as number, y: v[y] as number, raw: v };
  if (Array.isArray(v) && v.length >= 2 && isNumber(v[0]) && isNumber(v[1])) return { x: v[0], y: v[1], raw: v };
  return null;
}

/** spec: {x, y, pick?: {payloadKey: field}, targets?: [...], cloud?: key}; data: {points: [...], <name>: point or [points]}. */
export function scatterModel(spec: Record<string, unknown>, data: unknown): ScatterModel {
  const x = str(spec.x, "x");
  const y = str(spec.y, "y");
  const series: ScatterSeries[] = [];
  const cloudKey = str(spec.cloud, "cloud");
  const source: Record<string, unknown> = isObject(data) ? data : Array.isArray(data) ? { points: data } : {};
  for (const [name, value] of Object.entries(source)) {
    if (Array.isArray(value)) {
      const points = value.map((v) => xyOf(v, x, y)).filter((p): p is XY => p !== null);
      if (!points.length) continue;
      const role = name === "points" ? "main" : name === cloudKey ? "cloud" : "points";
      series.push({ name, points, role });
    } else {
      const point = xyOf(value, x, y);
      if (point) series.push({ name, points: [point], role: "marker" });
    }
  }
  // The main series first, the cloud last: that is the drawing order, bottom to top reversed.
  const rank = { main: 0, marker: 1, points: 2, cloud: 3 } as const;
  series.sort((a, b) => rank[a.role] - rank[b.role]);
  let pick: ScatterModel["pick"] = null;
  if (isObject(spec.pick)) {
    const [entry] = Object.entries(spec.pick);
    if (entry && typeof entry[1] === "string") pick = { payloadKey: entry[0], field: entry[1] };
  }
  return { x, y, series, pick, targets: strings(spec.targets) };
}

// --- line chart -------------------------------------------------------------------------------

export interface LineModel {
  /** x values ascending (seconds when `time`). */
  xs: number[];
  series: { name: string; values: (number | null)[] }[];
  time: boolean;
}

/** A series' value in one point: point[name], else the first nested object holding it (weights.BTC). */
export function valueIn(point: Record<string, unknown>, name: string): number | null {
  const direct = point[name];
  if (isNumber(direct)) return direct;
  for (const v of Object.values(point)) {
    if (isObject(v) && isNumber(v[name])) return v[name] as number;
  }
  return null;
}

function pointsOf(data: unknown, history: unknown[], append: boolean): Record<string, unknown>[] {
  if (append) return history.filter(isObject);
  if (Array.isArray(data)) return data.filter(isObject);
  if (isObject(data) && Array.isArray(data.points)) return data.points.filter(isObject);
  if (isObject(data)) {
    // Columns: {ts: [...], BTC: [...]} -> one point per index.
    const columns = Object.entries(data).filter(([, v]) => Array.isArray(v)) as [string, unknown[]][];
    const length = Math.max(0, ...columns.map(([, v]) => v.length));
    if (columns.length && length) {
      return Array.from({ length }, (_, i) => Object.fromEntries(columns.map(([k, v]) => [k, v[i]])));
    }
    return [data];
  }
  return [];
}

/** spec: {x: "ts", series: [...], append?: true}; data: one point per update (append), or points. */
export function lineModel(spec: Record<string, unknown>, data: unknown, history: unknown[],
                          toSeconds: (ts: number) => number): LineModel {
  const x = str(spec.x, "ts");
  const time = x === "ts" || x === "time" || spec.time === true;
  const points = pointsOf(data, history, spec.append === true)
    .filter((p) => isNumber(p[x]))
    .sort((a, b) => (a[x] as number) - (b[x] as number));
  let names = strings(spec.series);
  if (!names.length && points[0]) names = Object.keys(points[0]).filter((k) => k !== x && isNumber(points[0]![k]));
  return {
    xs: points.map((p) => (time ? toSeconds(p[x] as number) : (p[x] as number))),
    series: names.map((name) => ({ name, values: points.map((p) => valueIn(p, name)) })),
    time,
  };
}

// --- bar chart --------------------------------------------------------------------------------

export interface BarModel {
  categories: string[];
  series: { name: string; values: (number | null)[] }[];
  /** Every series is a set of weights (each in 0..1, summing to about 1): shown as percentages. */
  percent: boolean;
  /** The data's other fields (flags, a selection): shown beside the bars. */
  extras: [string, unknown][];
}

/** spec: {assets|categories, series}; data: {<series>: {<category>: number}, ...other fields}. */
export function barModel(spec: Record<string, unknown>, data: unknown): BarModel {
  const source = isObject(data) ? data : {};
  const seriesNames = strings(spec.series).length ? strings(spec.series)
    : Object.keys(source).filter((k) => isObject(source[k]));
  let categories = strings(spec.assets).length ? strings(spec.assets) : strings(spec.categories);
  if (!categories.length) {
    const seen = new Set<string>();
    for (const name of seriesNames) {
      const values = source[name];
      if (isObject(values)) Object.keys(values).forEach((k) => seen.add(k));
    }
    categories = [...seen];
  }
  const series = seriesNames
    .filter((name) => isObject(source[name]))
    .map((name) => {
      const values = source[name] as Record<string, unknown>;
      return { name, values: categories.map((c) => (isNumber(values[c]) ? (values[c] as number) : null)) };
    });
  const percent = series.length > 0 && series.every((s) => {
    const present = s.values.filter((v): v is number => v !== null);
    const sum = present.reduce((a, b) => a + b, 0);
    return present.every((v) => v >= 0 && v <= 1) && Math.abs(sum - 1) < 0.02;
  });
  const extras = Object.entries(source).filter(([k, v]) => !seriesNames.includes(k) && (v === null || typeof v !== "object"));
  return { categories, series, percent, extras };
}

// --- table ------------------------------------------------------------------------------------

export interface TableModel {
  columns: string[];
  rows: unknown[][];
}

/** spec: {columns}; data: {rows: [...]} (rows as objects or arrays), or one row per update (history). */
export function tableModel(spec: Record<string, unknown>, data: unknown, history: unknown[]): TableModel {
  const rowsIn: unknown[] = isObject(data) && Array.isArray(data.rows) ? data.rows
    : Array.isArray(data) ? data : history.length ? history : data != null ? [data] : [];
  let columns = strings(spec.columns);
  if (!columns.length) {
    const first = rowsIn.find(isObject);
    columns = first ? Object.keys(first) : [];
  }
  const rows = rowsIn.map((row) => {
    if (Array.isArray(row)) return row;
    if (isObject(row)) return columns.map((c) => row[c]);
    return [row];
  });
  return { columns, rows };
}

// --- sliders ----------------------------------------------------------------------------------

function roundTo(value: number, step: number): number {
  if (!(step > 0)) return value;
  const decimals = Math.max(0, Math.ceil(-Math.log10(step)) + 2);
  return Number((Math.round(value / step) * step).toFixed(decimals));
}

/**
 * Weights that keep their sum at `total` when one of them is set to `value`: the others share the
 * difference in proportion to what they hold (equally when they hold nothing), each within
 * [min, max]; rounded to `step`, the rounding remainder going to the largest of the others.
 */
export function rebalance(values: readonly number[], index: number, value: number,
                          opts: { min: number; max: number; total: number; step: number }): number[] {
  const { min, max, total, step } = opts;
  const n = values.length;
  if (n === 0 || index < 0 || index >= n) return [...values];
  const others = values.map((_, i) => i).filter((i) => i !== index);
  // What the others can take at most and at least bounds the value the user may set.
  const lo = Math.max(min, total - others.length * max);
  const hi = Math.min(max, total - others.length * min);
  const chosen = Math.min(hi, Math.max(lo, roundTo(value, step)));
  const out = values.slice();
  out[index] = chosen;
  if (!others.length) return out;
  let remaining = total - chosen;
  let free = others.slice();
  // Proportional shares, clamping and handing the excess on to the unclamped, until it settles.
  for (let round = 0; round < n + 1 && free.length; round++) {
    const weightSum = free.reduce((a, i) => a + Math.max(0, values[i]!), 0);
    const share = (i: number) => (weightSum > 0 ? Math.max(0, values[i]!) / weightSum : 1 / free.length);
    const next: number[] = [];
    let clampedTotal = 0;
    for (const i of free) {
      const v = remaining * share(i);
      if (v > max) { out[i] = max; clampedTotal += max; }
      else if (v < min) { out[i] = min; clampedTotal += min; }
      else { out[i] = v; next.push(i); }
    }
    if (next.length === free.length) break;
    remaining -= clampedTotal;
    free = next;
  }
  for (const i of others) out[i] = roundTo(out[i]!, step);
  const residue = roundTo(total - out.reduce((a, b) => a + b, 0), step);
  if (residue !== 0) {
    const target = others.filter((i) => out[i]! + residue >= min && out[i]! + residue <= max)
      .sort((a, b) => out[b]! - out[a]!)[0];
    if (target !== undefined) out[target] = roundTo(out[target]! + residue, step);
  }
  return out;
}
