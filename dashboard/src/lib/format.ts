// Formatting for display: times, ages, numbers. Amounts arrive as exact decimal strings from the read
// routes and are shown as they are; floats (weights, statistics) are rounded for reading only.

/** Event time (integer microseconds since the epoch, UTC) as ISO 8601. */
export function isoFromMicros(us: number): string {
  return new Date(Math.floor(us / 1000)).toISOString();
}

/** Event time in seconds (uPlot's time scale) from microseconds, milliseconds or seconds. */
export function secondsFromTs(ts: number): number {
  if (ts > 1e14) return ts / 1e6; // microseconds
  if (ts > 1e11) return ts / 1e3; // milliseconds
  return ts;
}

const TIME = new Intl.DateTimeFormat(undefined, {
  year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit",
  hour12: false,
});

export function formatTime(iso: string | null | undefined): string {
  if (!iso) return "—";
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : TIME.format(d);
}

export function formatAge(seconds: number | null | undefined): string {
  if (seconds == null || !Number.isFinite(seconds)) return "—";
  if (seconds < 1) return "now";
  if (seconds < 90) return `${Math.round(seconds)} s ago`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 172800) return `${Math.round(seconds / 3600)} h ago`;
  return `${Math.round(seconds / 86400)} d ago`;
}

/** A float for reading: up to 6 significant digits, no exponent for everyday sizes. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (Number.isInteger(value)) return value.toLocaleString("en-US");
  const abs = Math.abs(value);
  if (abs !== 0 && (abs < 1e-4 || abs >= 1e9)) return value.toExponential(3);
  return Number(value.toPrecision(6)).toString();
}

export function formatPercent(value: number, digits = 1): string {
  return `${(value * 100).toFixed(digits)} %`;
}

/** Any JSON value as a short cell text. */
export function formatCell(value: unknown): string {
  if (value === null || value === undefined) return "—";
  if (typeof value === "number") return formatNumber(value);
  if (typeof value === "string") return value;
  if (typeof value === "boolean") return value ? "yes" : "no";
  return JSON.stringify(value);
}
