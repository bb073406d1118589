// The pure logic of the report views: reading a report (the API gives it as free JSON), equity curves
// normalised to 1.0 at their start and aligned for one chart, the metrics of a comparison, the choice of
// backtests to compare, and an account's funds split into allocated and unallocated. Floats here are
// for display only: nothing computed here is ever sent.
import { formatNumber } from "../../lib/format";

/** One sample of an equity curve: [event time in µs, value in USD]. */
export type CurvePoint = [number, number];

export interface Metrics {
  start_value: number;
  end_value: number;
  total_return: number;
  annualised_return: number | null;
  volatility: number | null;
  sharpe: number | null;
  sortino: number | null;
  max_drawdown: number;
  max_drawdown_duration_us: number;
  drawdown_recovered: boolean;
}

/** A run's report, as replay/report.py's Report writes it. */
export interface Report {
  run_id: string;
  strategy: string;
  start_ts: number;
  end_ts: number;
  result: Metrics;
  hodl: Metrics;
  fees_usd: number;
  traded_usd: number;
  turnover: number;
  orders: number;
  fills: number;
  rejected: number;
  cancels: number;
  equity: CurvePoint[];
  benchmark: CurvePoint[];
  market_return: number | null;
  notes: string[];
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

const num = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);

function metricsOf(v: unknown): Metrics | null {
  if (!isRecord(v)) return null;
  const start = num(v.start_value), end = num(v.end_value), total = num(v.total_return), dd = num(v.max_drawdown);
  if (start === null || end === null || total === null || dd === null) return null;
  return {
    start_value: start, end_value: end, total_return: total, annualised_return: num(v.annualised_return),
    volatility: num(v.volatility), sharpe: num(v.sharpe), sortino: num(v.sortino), max_drawdown: dd,
    max_drawdown_duration_us: num(v.max_drawdown_duration_us) ?? 0, drawdown_recovered: v.drawdown_recovered === true,
  };
}

function curveOf(v: unknown): CurvePoint[] {
  if (!Array.isArray(v)) return [];
  const out: CurvePoint[] = [];
  for (const p of v) {
    if (!Array.isArray(p) || p.length < 2) continue;
    const t = num(p[0]), value = num(p[1]);
    if (t !== null && value !== null) out.push([t, value]);
  }
  return out;
}

/** The report in `raw`, or null when it is not one (a shape this dashboard does not know). */
export function parseReport(raw: unknown): Report | null {
  if (!isRecord(raw)) return null;
  const result = metricsOf(raw.result), hodl = metricsOf(raw.hodl);
  if (!result || !hodl) return null;
  const count = (k: string) => num(raw[k]) ?? 0;
  return {
    run_id: String(raw.run_id ?? ""), strategy: String(raw.strategy ?? ""),
    start_ts: count("start_ts"), end_ts: count("end_ts"), result, hodl,
    fees_usd: count("fees_usd"), traded_usd: count("traded_usd"), turnover: count("turnover"),
    orders: count("orders"), fills: count("fills"), rejected: count("rejected"), cancels: count("cancels"),
    equity: curveOf(raw.equity), benchmark: curveOf(raw.benchmark), market_return: num(raw.market_return),
    notes: Array.isArray(raw.notes) ? raw.notes.map(String) : [],
  };
}

/** The curve divided by its first positive value (1.0 at its start); empty when it never has one. */
export function normalise(curve: readonly CurvePoint[]): CurvePoint[] {
  const base = curve.find(([, v]) => v > 0)?.[1];
  if (base === undefined) return [];
  return curve.map(([t, v]) => [t, v / base]);
}

export interface NamedCurve {
  name: string;
  points: readonly CurvePoint[];
  /** Drawn dashed (a benchmark). */
  dashed?: boolean;
}

export interface AlignedCurves {
  /** "time": xs are seconds since the epoch; "elapsed": seconds since each curve's own start (the curves
   *  cover different windows, so they are laid over each other from their starts). */
  mode: "time" | "elapsed";
  xs: number[];
  names: string[];
  dashed: boolean[];
  /** One value per x for each curve; null where it has no sample. */
  values: (number | null)[][];
}

/** Curves on one x axis for uPlot: the union of their sample times, each curve null where it has none. */
export function alignCurves(curves: readonly NamedCurve[]): AlignedCurves {
  const present = curves.filter((c) => c.points.length > 0);
  const starts = new Set(present.map((c) => c.points[0]![0]));
  const mode: AlignedCurves["mode"] = starts.size > 1 ? "elapsed" : "time";
  const shifted = present.map((c) => {
    const origin = mode === "elapsed" ? c.points[0]![0] : 0;
    return c.points.map(([t, v]) => [(t - origin) / 1e6, v] as const);
  });
  const xs = [...new Set(shifted.flatMap((pts) => pts.map(([x]) => x)))].sort((a, b) => a - b);
  const index = new Map(xs.map((x, i) => [x, i]));
  const values = shifted.map((pts) => {
    const row: (number | null)[] = new Array(xs.length).fill(null);
    for (const [x, v] of pts) row[index.get(x)!] = v;
    return row;
  });
  return { mode, xs, names: present.map((c) => c.name), dashed: present.map((c) => c.dashed === true), values };
}

/** A duration in seconds as a short label for an axis ("3 h", "2.5 d"). */
export function formatElapsed(seconds: number): string {
  const abs = Math.abs(seconds);
  if (abs < 120) return `${Math.round(seconds)} s`;
  if (abs < 3600) return `${Number((seconds / 60).toFixed(1))} min`;
  if (abs < 172800) return `${Number((seconds / 3600).toFixed(1))} h`;
  return `${Number((seconds / 86400).toFixed(1))} d`;
}

// --- figures ------------------------------------------------------------------------------------

/** A fraction as a signed percentage ("+5.25 %", "−1.00 %"); "—" when undefined. */
export function formatReturn(value: number | null | undefined, digits = 2): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "—";
  // A few hours compounded to a year make absurd figures: past 100,000 % show the order of magnitude.
  const text = Math.abs(value) >= 1000 ? `${Math.abs(value * 100).toExponential(1)} %` : `${Math.abs(value * 100).toFixed(digits)} %`;
  if (Number(text.slice(0, -2)) === 0) return `${(0).toFixed(digits)} %`;
  return value > 0 ? `+${text}` : `−${text}`;
}

/** A drawdown (a positive fraction of the peak) as a loss: "−12.3 %". */
export function formatDrawdown(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "—";
  if (value === 0) return "0.0 %";
  return `−${(value * 100).toFixed(value < 0.01 ? 2 : 1)} %`; // a shallow one keeps its digits
}

export function formatRatio(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "—";
  const text = Math.abs(value).toFixed(2);
  return value < 0 && Number(text) !== 0 ? `−${text}` : text;
}

export function formatUsd(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "—";
  return `$${value.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}

export interface MetricRow {
  key: string;
  label: string;
  /** What the figure means, for a reader unsure of it. */
  hint: string;
  value: (r: Report) => string;
  /** The number compared across reports (the best one is marked); undefined for rows not ranked. */
  rank?: (r: Report) => number | null;
  /** Which end is best. */
  better?: "high" | "low";
}

export const METRIC_ROWS: MetricRow[] = [
  { key: "return", label: "Return", hint: "total return over the window", value: (r) => formatReturn(r.result.total_return),
    rank: (r) => r.result.total_return, better: "high" },
  { key: "hodl", label: "HODL return", hint: "holding the initial balances instead", value: (r) => formatReturn(r.hodl.total_return) },
  { key: "excess", label: "Versus HODL", hint: "return minus HODL's return",
    value: (r) => formatReturn(r.result.total_return - r.hodl.total_return),
    rank: (r) => r.result.total_return - r.hodl.total_return, better: "high" },
  { key: "annualised", label: "Annualised", hint: "the return compounded to a year",
    value: (r) => formatReturn(r.result.annualised_return) },
  { key: "volatility", label: "Volatility", hint: "annualised standard deviation of the returns",
    value: (r) => formatReturn(r.result.volatility).replace(/^\+/, "") },
  { key: "sharpe", label: "Sharpe", hint: "mean over standard deviation of returns, annualised",
    value: (r) => formatRatio(r.result.sharpe), rank: (r) => r.result.sharpe, better: "high" },
  { key: "sortino", label: "Sortino", hint: "mean over downside deviation, annualised",
    value: (r) => formatRatio(r.result.sortino), rank: (r) => r.result.sortino, better: "high" },
  { key: "drawdown", label: "Max drawdown", hint: "deepest fall from a peak",
    value: (r) => formatDrawdown(r.result.max_drawdown), rank: (r) => r.result.max_drawdown, better: "low" },
  { key: "fees", label: "Fees", hint: "fees paid, in USD", value: (r) => formatUsd(r.fees_usd),
    rank: (r) => r.fees_usd, better: "low" },
  { key: "traded", label: "Traded", hint: "value traded, in USD", value: (r) => formatUsd(r.traded_usd) },
  { key: "turnover", label: "Turnover", hint: "value traded over mean equity", value: (r) => formatNumber(Number(r.turnover.toFixed(3))) },
  { key: "trades", label: "Orders / fills", hint: "orders sent and fills received", value: (r) => `${r.orders} / ${r.fills}` },
  { key: "end", label: "End value", hint: "equity at the end, in USD", value: (r) => formatUsd(r.result.end_value) },
];

/** The indexes of the best report on `row` (ties all win: equal as shown is equal); none when fewer than
 *  two can be ranked or all show the same. */
export function bestOf(row: MetricRow, reports: readonly Report[]): Set<number> {
  if (!row.rank || !row.better) return new Set();
  const ranked = reports.map((r, i) => [i, row.rank!(r)] as const).filter(([, v]) => v !== null && Number.isFinite(v));
  if (ranked.length < 2) return new Set();
  const target = ranked.reduce((best, cur) =>
    (row.better === "high" ? cur[1]! > best[1]! : cur[1]! < best[1]!) ? cur : best);
  const shown = (i: number) => row.value(reports[i]!);
  const winners = ranked.filter(([i]) => shown(i) === shown(target[0]));
  return winners.length === ranked.length ? new Set() : new Set(winners.map(([i]) => i));
}

// --- choosing what to compare -------------------------------------------------------------------

export const MAX_COMPARED = 6;

/** The selection after ticking or unticking `id`: at most `max`, the oldest choice dropped first. */
export function toggleSelection(selected: readonly string[], id: string, max = MAX_COMPARED): string[] {
  if (selected.includes(id)) return selected.filter((s) => s !== id);
  const next = [...selected, id];
  return next.length > max ? next.slice(next.length - max) : next;
}

/** The selection as a URL parameter and back (so a comparison can be linked to). */
export function selectionToParam(selected: readonly string[]): string {
  return selected.join(",");
}

export function selectionFromParam(param: string | null, max = MAX_COMPARED): string[] {
  if (!param) return [];
  const ids = param.split(",").map((s) => s.trim()).filter((s) => /^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$/.test(s));
  return [...new Set(ids)].slice(0, max);
}

// --- where an account's funds are ---------------------------------------------------------------

export interface Holding {
  venue: string;
  currency: string;
  amount: string;
}

export interface DistributionRow {
  venue: string;
  currency: string;
  unallocated: string;
  /** Per wallet set id: its balance here ("0" when it has none). */
  bySet: Record<string, string>;
  /** USD per unit of the currency (from the account's value), for display; null: no price. */
  usdPrice: number | null;
  /** Display figures in USD (float, never sent). */
  usdUnallocated: number | null;
  usdAllocated: number | null;
  /** Allocated share of this venue and currency's total, 0..1 (from the amounts). */
  allocatedShare: number;
}

export interface SetBalances {
  wallet_set_id: string;
  active: boolean;
  balances: readonly { venue: string; currency: string; balance: string }[];
}

/** USD per unit of each currency from the account's valued totals (value / amount). */
export function pricesFromValue(valued: readonly { currency: string; amount: string; usd: string | null }[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const v of valued) {
    const amount = Number(v.amount), usd = v.usd === null ? NaN : Number(v.usd);
    if (amount > 0 && Number.isFinite(usd)) out.set(v.currency, usd / amount);
    else if (v.currency === "USD") out.set("USD", 1);
  }
  return out;
}

/** Per venue and currency: the pool and each active wallet set's balance, with USD figures for display. */
export function distribution(unallocated: readonly Holding[], sets: readonly SetBalances[],
                             prices: ReadonlyMap<string, number>): { rows: DistributionRow[]; setIds: string[] } {
  const active = sets.filter((s) => s.active);
  const setIds = active.map((s) => s.wallet_set_id);
  const rows = new Map<string, DistributionRow>();
  const row = (venue: string, currency: string): DistributionRow => {
    const key = `${venue}\u0000${currency}`;
    let r = rows.get(key);
    if (!r) {
      const price = prices.get(currency) ?? (currency === "USD" ? 1 : null);
      r = { venue, currency, unallocated: "0", bySet: {}, usdPrice: price, usdUnallocated: null, usdAllocated: null, allocatedShare: 0 };
      rows.set(key, r);
    }
    return r;
  };
  for (const u of unallocated) row(u.venue, u.currency).unallocated = u.amount;
  for (const s of active) for (const b of s.balances) row(b.venue, b.currency).bySet[s.wallet_set_id] = b.balance;
  for (const r of rows.values()) {
    const pool = Number(r.unallocated);
    const held = setIds.reduce((sum, id) => sum + Number(r.bySet[id] ?? 0), 0);
    r.allocatedShare = pool + held > 0 ? held / (pool + held) : 0;
    if (r.usdPrice !== null) {
      r.usdUnallocated = pool * r.usdPrice;
      r.usdAllocated = held * r.usdPrice;
    }
  }
  const sorted = [...rows.values()].sort((a, b) => a.venue.localeCompare(b.venue) || a.currency.localeCompare(b.currency));
  return { rows: sorted, setIds };
}

// --- a backtest's parameters as typed ----------------------------------------------------------

/** "a=1 b=x,y" as {a: "1", b: "x,y"}; an error a user can act on for anything else. */
export function parseParams(text: string): { params: Record<string, string>; error: string | null } {
  const params: Record<string, string> = {};
  for (const word of text.trim().split(/\s+/).filter(Boolean)) {
    const at = word.indexOf("=");
    if (at <= 0) return { params, error: `"${word}" is not name=value` };
    const name = word.slice(0, at);
    if (!/^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(name)) return { params, error: `"${name}" is not a parameter name` };
    if (name in params) return { params, error: `${name} is given twice` };
    params[name] = word.slice(at + 1);
  }
  return { params, error: null };
}
