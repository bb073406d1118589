// The Market page's pure logic: depth accumulation, size bars, spread, candle windows and geometry.
// Prices and sizes arrive as exact decimal strings; the numbers made here are for drawing and reading
// only (nothing here is ever sent back to the API).

export type Level = readonly string[]; // [price, size] as the API writes them

export interface Depth {
  /** Prices, ascending: the bids' (worst to best), then the asks' (best to worst). */
  xs: number[];
  /** Cumulative bid size from the best bid down to each bid price; null over the asks. */
  bids: (number | null)[];
  /** Cumulative ask size from the best ask up to each ask price; null over the bids. */
  asks: (number | null)[];
}

/** The depth chart's data: the size one could trade up to each price, each side from its best level. */
export function depthOf(bids: readonly Level[], asks: readonly Level[]): Depth {
  const bidCum: number[] = [];
  let sum = 0;
  for (const [, size] of bids) bidCum.push((sum += Number(size)));
  const askCum: number[] = [];
  sum = 0;
  for (const [, size] of asks) askCum.push((sum += Number(size)));
  const bidXs = bids.map(([price]) => Number(price)).reverse();
  const askXs = asks.map(([price]) => Number(price));
  return {
    xs: [...bidXs, ...askXs],
    bids: [...bidCum.reverse(), ...askXs.map(() => null)],
    asks: [...bidXs.map(() => null), ...askCum],
  };
}

/** Each level's size as a share (0..1] of the largest size on both sides, for the book's size bars. */
export function sizeShares(bids: readonly Level[], asks: readonly Level[]): { bids: number[]; asks: number[] } {
  const size = (l: Level) => Number(l[1]);
  const max = Math.max(0, ...bids.map(size), ...asks.map(size));
  const share = (l: Level) => (max > 0 ? size(l) / max : 0);
  return { bids: bids.map(share), asks: asks.map(share) };
}

function decimals(s: string): number {
  const dot = s.indexOf(".");
  return dot < 0 ? 0 : s.length - dot - 1;
}

/** The spread as the prices are written (as many decimals as the finer of the two) and in basis points
 *  of the mid; null without both sides. */
export function spreadOf(bid: string | null | undefined, ask: string | null | undefined
): { value: string; bps: number } | null {
  if (!bid || !ask) return null;
  const b = Number(bid), a = Number(ask);
  if (!Number.isFinite(b) || !Number.isFinite(a)) return null;
  const value = (a - b).toFixed(Math.max(decimals(bid), decimals(ask)));
  const mid = (a + b) / 2;
  return { value, bps: mid > 0 ? ((a - b) / mid) * 10_000 : 0 };
}

export type CandleWindow = "1h" | "1d" | "1w";
export type Freq = "1m" | "5m" | "1h" | "1d";

export const WINDOW_SECONDS: Record<CandleWindow, number> = { "1h": 3600, "1d": 86_400, "1w": 604_800 };
export const FREQ_SECONDS: Record<Freq, number> = { "1m": 60, "5m": 300, "1h": 3600, "1d": 86_400 };
/** The candle widths that make sense for a window: at least 6 candles, at most a few thousand. */
export const FREQS: Record<CandleWindow, Freq[]> = { "1h": ["1m", "5m"], "1d": ["1m", "5m", "1h"], "1w": ["5m", "1h", "1d"] };
export const DEFAULT_FREQ: Record<CandleWindow, Freq> = { "1h": "1m", "1d": "5m", "1w": "1h" };

/** The last `window` up to the end of the bucket `now` falls in (so the running candle is included),
 *  the start on a bucket boundary; ISO 8601 for the API. */
export function windowRange(window: CandleWindow, freq: Freq, nowMs: number): { start: string; end: string } {
  const width = FREQ_SECONDS[freq] * 1000;
  const end = Math.floor(nowMs / width) * width + width;
  const start = end - Math.ceil((WINDOW_SECONDS[window] * 1000) / width) * width;
  return { start: new Date(start).toISOString(), end: new Date(end).toISOString() };
}

export interface CandleRow {
  start: string; open: string; high: string; low: string; close: string; volume: string;
}

/** uPlot's columns: bucket start (s), open, high, low, close, volume. */
export function candleColumns(rows: readonly CandleRow[]): [number[], number[], number[], number[], number[], number[]] {
  const cols: [number[], number[], number[], number[], number[], number[]] = [[], [], [], [], [], []];
  for (const r of rows) {
    cols[0].push(Date.parse(r.start) / 1000);
    cols[1].push(Number(r.open));
    cols[2].push(Number(r.high));
    cols[3].push(Number(r.low));
    cols[4].push(Number(r.close));
    cols[5].push(Number(r.volume));
  }
  return cols;
}

export interface CandleShape {
  /** Left edge and width of the body, in pixels. */
  left: number; width: number;
  /** Body top and height (at least 1 px: a doji is a line). */
  top: number; height: number;
  /** The wick, high to low, at the candle's centre. */
  centre: number; wickTop: number; wickBottom: number;
  up: boolean;
}

/** Where one candle goes: `x` is its bucket's left edge and `bucket` its width in pixels; `y` maps a
 *  price to pixels (down the screen as prices fall). The body takes 70 % of the bucket, at least 1 px. */
export function candleShape(x: number, bucket: number, open: number, high: number, low: number, close: number,
                            y: (price: number) => number): CandleShape {
  const width = Math.max(1, Math.floor(bucket * 0.7));
  const centre = x + bucket / 2;
  const yo = y(open), yc = y(close);
  const top = Math.min(yo, yc);
  return {
    left: Math.round(centre - width / 2), width, top, height: Math.max(1, Math.abs(yc - yo)),
    centre: Math.round(centre), wickTop: y(high), wickBottom: y(low), up: close >= open,
  };
}

/** The price scale of the candles: from the lowest low to the highest high with 5 % room (a flat
 *  market gets a band around its one price). */
export function priceRange(lows: readonly number[], highs: readonly number[]): [number, number] {
  if (!lows.length) return [0, 1];
  const lo = Math.min(...lows), hi = Math.max(...highs);
  const pad = hi > lo ? (hi - lo) * 0.05 : Math.max(Math.abs(hi) * 0.001, 1e-9);
  return [lo - pad, hi + pad];
}

/** Volume bars fill the lowest fifth of the plot: the volume scale's max is five times the largest. */
export function volumeRange(volumes: readonly number[]): [number, number] {
  const max = Math.max(0, ...volumes);
  return [0, max > 0 ? max * 5 : 1];
}

const CLOCK = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false });

/** A recent trade's time of day (the full date is in its title): short enough for a phone's table. */
export function formatClock(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : CLOCK.format(d);
}
