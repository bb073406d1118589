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

/** The key of the nested object holding ``name`` in the first point that has it (null: the point
 *  itself; undefined: no point has it). */
function holderOf(points: Record<string, unknown>[], name: string): string | null | undefined {
  for (const p of points) {
    if (isNumber(p[name])) return null;
    for (const [k, v] of Object.entries(p)) if (isObject(v) && isNumber(v[name])) return k;
  }
  return undefined;
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
  const points = pointsOf(data, history, spec.append === true).filter((p) => isNumber(p[x]));
  // Points come in time order (one per update): sort only when they do not.
  let ordered = true;
  for (let i = 1; i < points.length && ordered; i++) ordered = (points[i - 1]![x] as number) <= (points[i]![x] as number);
  if (!ordered) points.sort((a, b) => (a[x] as number) - (b[x] as number));
  let names = strings(spec.series);
  if (!names.length && points[0]) names = Object.keys(points[0]).filter((k) => k !== x && isNumber(points[0]![k]));
  // Where each series' value sits (point[name], or a nested object such as weights.BTC), found once.
  const holders = names.map((name) => holderOf(points, name));
  return {
    xs: points.map((p) => (time ? toSeconds(p[x] as number) : (p[x] as number))),
    series: names.map((name, i) => {
      const holder = holders[i];
      const values = holder === undefined ? points.map((p) => valueIn(p, name)) : points.map((p) => {
        const inner = holder === null ? p : p[holder];
        const v = isObject(inner) ? inner[name] : undefined;
        return isNumber(v) ? v : valueIn(p, name); // a point shaped otherwise: look for it
      });
      return { name, values };
    }),
    time,
  };
}

/** What `extendLineModel` keeps between batches to add only the new points of an appending chart. */
export interface LineCache {
  model: LineModel;
  spec: Record<string, unknown>;
  /** The raw history entries taken (the last one, and the first when nothing was dropped since). */
  first: unknown;
  last: unknown;
  taken: number;
  /** Per raw entry taken, whether it became a point (an entry without a numeric x is skipped). */
  kept: boolean[];
  holders: (string | null | undefined)[];
}

/**
 * The line model of an appending chart (spec.append), extended in place by the points a batch added
 * (and trimmed by those the store's cap dropped at the front) instead of rebuilt from every point: a
 * batch of k points on a chart of n costs O(k), not O(n). The arrays are the previous model's, mutated;
 * the chart is fed them again (setData). Rebuilt whole when the history is not the one it extended (a
 * reload, another spec) or a point comes out of x order.
 */
export function extendLineModel(cache: LineCache | null, spec: Record<string, unknown>, data: unknown,
                                history: unknown[], toSeconds: (ts: number) => number): LineCache {
  const rebuild = (): LineCache => {
    const model = lineModel(spec, data, history, toSeconds);
    const x = str(spec.x, "ts");
    const kept = history.map((p) => isObject(p) && isNumber(p[x]));
    const points = history.filter((_p, i) => kept[i]) as Record<string, unknown>[];
    return { model, spec, first: history[0], last: history.at(-1), taken: history.length, kept,
             holders: model.series.map((s) => holderOf(points, s.name)) };
  };
  if (!cache || cache.spec !== spec || spec.append !== true || !cache.model.xs.length) return rebuild();
  // Where the last entry taken sits now: further left by as many entries as the cap dropped.
  let end = Math.min(cache.taken, history.length) - 1;
  while (end >= 0 && history[end] !== cache.last) end--;
  if (end < 0) return rebuild();
  const dropped = cache.taken - 1 - end;
  if (dropped === 0 && history[0] !== cache.first) return rebuild();
  const { model, kept } = cache;
  if (dropped > 0) {
    const gone = kept.splice(0, dropped).filter(Boolean).length;
    model.xs.splice(0, gone);
    for (const s of model.series) s.values.splice(0, gone);
  }
  const x = str(spec.x, "ts");
  for (let i = end + 1; i < history.length; i++) {
    const p = history[i];
    const ok = isObject(p) && isNumber(p[x]);
    kept.push(ok);
    if (!ok) continue;
    const at = model.time ? toSeconds(p[x] as number) : (p[x] as number);
    if (model.xs.length && at < model.xs.at(-1)!) return rebuild(); // out of order: sort it all once
    model.xs.push(at);
    model.series.forEach((s, j) => {
      const holder = cache.holders[j];
      const inner = holder == null ? p : p[holder];
      const v = isObject(inner) ? inner[s.name] : undefined;
      s.values.push(isNumber(v) ? v : valueIn(p, s.name));
    });
  }
  return { ...cache, model: { ...model }, first: dropped ? history[0] : cache.first, last: history.at(-1),
           taken: history.length };
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

function decimalsOf(step: number): number {
  return Math.max(0, Math.ceil(-Math.log10(step)) + 2);
}

function fromTicks(ticks: number, step: number): number {
  return Number((ticks * step).toFixed(decimalsOf(step)));
}

/**
 * Split `remaining` whole ticks among `weights` in proportion (equally when they are all zero), each
 * in [lo, hi]: water-filling on the real shares, then floors plus one tick each to the largest
 * fractional parts, so the integers sum to `remaining` exactly.
 */
function shareTicks(weights: readonly number[], remaining: number, lo: number, hi: number): number[] {
  const n = weights.length;
  const real = new Array<number>(n).fill(0);
  let free = weights.map((_, i) => i);
  let left = remaining;
  for (let round = 0; round <= n && free.length; round++) {
    const sum = free.reduce((a, i) => a + Math.max(0, weights[i]!), 0);
    const share = (i: number) => (sum > 0 ? Math.max(0, weights[i]!) / sum : 1 / free.length);
    const next: number[] = [];
    let clamped = 0;
    for (const i of free) {
      const v = left * share(i);
      if (v > hi) { real[i] = hi; clamped += hi; }
      else if (v < lo) { real[i] = lo; clamped += lo; }
      else { real[i] = v; next.push(i); }
    }
    if (next.length === free.length) break;
    left -= clamped;
    free = next;
  }
  const out = real.map((v) => Math.min(hi, Math.max(lo, Math.floor(v + 1e-9))));
  let missing = remaining - out.reduce((a, b) => a + b, 0);
  const byFraction = out.map((_, i) => i).sort((a, b) => (real[b]! - out[b]!) - (real[a]! - out[a]!) || a - b);
  for (const i of byFraction) {
    if (missing <= 0) break;
    if (out[i]! < hi) { out[i]! += 1; missing -= 1; }
  }
  for (const i of byFraction.reverse()) {
    if (missing >= 0) break;
    if (out[i]! > lo) { out[i]! -= 1; missing += 1; }
  }
  return out;
}

/**
 * Weights that keep their sum at `total` when one of them is set to `value`: the others share the
 * difference in proportion to what they hold (equally when they hold nothing), each within
 * [min, max]. Computed in whole steps, so the sum is the total exactly (in steps) whenever the total
 * is a whole number of steps; the value the user may set is bounded by what the others can take.
 */
export function rebalance(values: readonly number[], index: number, value: number,
                          opts: { min: number; max: number; total: number; step: number }): number[] {
  const { min, max, total } = opts;
  const step = opts.step > 0 ? opts.step : 0.01;
  const n = values.length;
  if (n === 0 || index < 0 || index >= n) return [...values];
  const T = Math.round(total / step);
  const lo = Math.ceil(min / step - 1e-9);
  const hi = Math.floor(max / step + 1e-9);
  const k = n - 1;
  const chosen = Math.min(Math.min(hi, T - k * lo), Math.max(Math.max(lo, T - k * hi), Math.round(value / step)));
  if (!k) return [fromTicks(chosen, step)];
  const others = values.map((_, i) => i).filter((i) => i !== index);
  const shares = shareTicks(others.map((i) => Math.max(0, values[i]! / step)), T - chosen, lo, hi);
  const out = values.slice();
  out[index] = fromTicks(chosen, step);
  others.forEach((i, j) => { out[i] = fromTicks(shares[j]!, step); });
  return out;
}

/** `total` split evenly over `n` sliders in whole steps, the odd steps to the first ones (30, 30, 40 is
 *  not even; 34, 33, 33 is): where sliders start when the run gave no values. */
export function evenSplit(n: number, total: number, step: number, min = 0, max = total): number[] {
  if (n <= 0) return [];
  const s = step > 0 ? step : 0.01;
  const ticks = shareTicks(new Array<number>(n).fill(0), Math.round(total / s), Math.ceil(min / s - 1e-9),
                           Math.floor(max / s + 1e-9));
  return ticks.map((t) => fromTicks(t, s));
}

/** The sum of slider values counted in whole steps (no float drift): equal to the total's steps or not. */
export function sumInSteps(values: readonly number[], step: number): number {
  const s = step > 0 ? step : 0.01;
  return values.reduce((a, v) => a + Math.round(v / s), 0);
}
