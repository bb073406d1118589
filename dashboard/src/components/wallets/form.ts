// The wallets page's pure rules: the new-set and adjust forms built from the inputs' own text (exact
// fixed-point units from lib/decimal.ts, never floats), capped at what the pool or the set can give,
// and USD shown next to amounts (display only: an estimate from the account's /value).
import type { Amount, WalletSet } from "../../api/types";
import type { AdjustRequest, Valued, WalletSetRequest } from "../../api/wallets";
import { fromUnits, toUnits } from "../../lib/decimal";
import { amountProblem, rowKey, type Row } from "../start/money";

const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$/;

/** Why an id cannot be sent, or null. */
export function idProblem(id: string, what: string): string | null {
  const t = id.trim();
  if (!t) return `Give the ${what}.`;
  return ID_PATTERN.test(t) ? null : `The ${what} may hold letters, digits and . _ : @ - only (at most 128).`;
}

export interface CreateForm {
  walletSetId: string;
  runId: string;
  rows: Row[];
  commandId: string;
}

/** The POST /wallet-sets body and what keeps it from being sent (empty: it can be sent). */
export function buildCreateBody(form: CreateForm): { body: WalletSetRequest; problems: string[] } {
  const problems: string[] = [];
  const idIssue = idProblem(form.walletSetId, "wallet set id");
  if (idIssue) problems.push(idIssue);
  const runIssue = idProblem(form.runId, "run id");
  if (runIssue) problems.push(runIssue);
  const allocations = [];
  let bad = false;
  for (const r of form.rows) {
    const problem = amountProblem(r.amount, r.available, false);
    if (problem) {
      bad = true;
      problems.push(`${r.currency} on ${r.venue}: ${problem}.`);
      continue;
    }
    const units = toUnits(r.amount);
    if (units !== null && units > 0n) allocations.push({ venue: r.venue, currency: r.currency, amount: r.amount.trim() });
  }
  if (!allocations.length && !bad) problems.push("Allocate an amount of at least one currency from the pool.");
  return {
    body: { wallet_set_id: form.walletSetId.trim(), run_id: form.runId.trim(), allocations, command_id: form.commandId },
    problems,
  };
}

/** A signed decimal ("-1.5", "+2", "3") as units of 1e-8; null when it is not one. */
export function signedUnits(text: string): bigint | null {
  const t = text.trim();
  const negative = t.startsWith("-");
  const units = toUnits(negative || t.startsWith("+") ? t.slice(1) : t);
  if (units === null) return null;
  return negative ? -units : units;
}

export interface AdjustRow {
  venue: string;
  currency: string;
  /** What the pool holds: the most a top-up can take. */
  pool: string;
  /** What the set holds free of holds: the most a reduction can give back. */
  free: string;
  /** The input's text: positive tops up, negative reduces. */
  amount: string;
}

/** A row per currency of the pool or of the set, amounts typed before kept. */
export function adjustRows(pool: Amount[], set: WalletSet, previous: AdjustRow[] = []): AdjustRow[] {
  const typed = new Map(previous.map((r) => [rowKey(r), r.amount]));
  const rows = new Map<string, AdjustRow>();
  const row = (venue: string, currency: string): AdjustRow => {
    const key = rowKey({ venue, currency });
    let r = rows.get(key);
    if (!r) {
      r = { venue, currency, pool: "0", free: "0", amount: typed.get(key) ?? "" };
      rows.set(key, r);
    }
    return r;
  };
  for (const a of pool) if ((toUnits(a.amount) ?? 0n) > 0n) row(a.venue, a.currency).pool = a.amount;
  for (const b of set.balances) if ((toUnits(b.balance) ?? 0n) > 0n) row(b.venue, b.currency).free = b.available;
  return [...rows.values()].sort((a, b) => rowKey(a).localeCompare(rowKey(b)));
}

/** Why a signed amount cannot be sent, or null ("" is fine: the row is left out). */
export function adjustProblem(r: AdjustRow): string | null {
  const t = r.amount.trim();
  if (t === "") return null;
  const units = signedUnits(t);
  if (units === null) {
    return /\.\d{9,}/.test(t) ? "at most 8 decimal places" : "an amount such as 100 to top up or -50 to reduce";
  }
  if (units > 0n && units > (toUnits(r.pool) ?? 0n)) return `at most ${r.pool} is in the pool`;
  if (units < 0n && -units > (toUnits(r.free) ?? 0n)) return `at most ${r.free} is free in the set`;
  return null;
}

/** The text an adjust input keeps: beyond what can move it becomes the limit (signed); else as typed. */
export function clampAdjust(text: string, r: AdjustRow): string {
  const units = signedUnits(text);
  if (units === null) return text;
  if (units > 0n && units > (toUnits(r.pool) ?? 0n)) return r.pool;
  if (units < 0n && -units > (toUnits(r.free) ?? 0n)) return (toUnits(r.free) ?? 0n) > 0n ? `-${r.free}` : "0";
  return text;
}

/** The POST .../adjust body and what keeps it from being sent. */
export function buildAdjustBody(rows: AdjustRow[], commandId: string): { body: AdjustRequest; problems: string[] } {
  const problems: string[] = [];
  const allocations = [];
  let bad = false;
  for (const r of rows) {
    const problem = adjustProblem(r);
    if (problem) {
      bad = true;
      problems.push(`${r.currency} on ${r.venue}: ${problem}.`);
      continue;
    }
    const units = signedUnits(r.amount);
    if (units !== null && units !== 0n) allocations.push({ venue: r.venue, currency: r.currency, amount: fromUnits(units) });
  }
  if (!allocations.length && !bad) problems.push("Type an amount to top up (positive) or reduce (negative).");
  return { body: { allocations, command_id: commandId }, problems };
}

/** The account's USD price per currency from /value (usd / amount), for display next to amounts. */
export function pricesFrom(values: Valued[]): Map<string, number> {
  const prices = new Map<string, number>();
  for (const v of values) {
    const amount = Number(v.amount);
    if (v.usd !== null && amount > 0) prices.set(v.currency, Number(v.usd) / amount);
  }
  return prices;
}

/** The USD an amount stands for at those prices (display), or null when the currency has no price. */
export function usdOf(amount: string, currency: string, prices: Map<string, number>): number | null {
  const price = prices.get(currency);
  return price === undefined ? null : Number(amount) * price;
}

/** The account's value in USD summed exactly from /value, and the currencies without a price. */
export function totalUsd(values: Valued[]): { usd: string; unpriced: string[] } {
  let sum = 0n;
  const unpriced: string[] = [];
  for (const v of values) {
    if (v.usd === null) {
      if ((signedUnits(v.amount) ?? 0n) !== 0n) unpriced.push(v.currency);
      continue;
    }
    sum += signedUnits(v.usd) ?? 0n;
  }
  return { usd: fromUnits(sum), unpriced };
}

export function formatUsd(usd: number | null): string {
  if (usd === null || !Number.isFinite(usd)) return "—";
  return usd.toLocaleString("en-US", { style: "currency", currency: "USD", maximumFractionDigits: 2 });
}

export interface Window {
  label: string;
  /** How far back from now, in ms. */
  spanMs: number;
  step: "1m" | "5m" | "1h" | "1d";
}

export const WINDOWS: Window[] = [
  { label: "Last hour", spanMs: 3_600_000, step: "1m" },
  { label: "Last 24 hours", spanMs: 86_400_000, step: "5m" },
  { label: "Last 7 days", spanMs: 7 * 86_400_000, step: "1h" },
  { label: "Last 30 days", spanMs: 30 * 86_400_000, step: "1d" },
];

/** The history request's start and end for a window ending at `now` (ms), ISO UTC. */
export function windowRange(w: Window, now: number): { start: string; end: string } {
  return { start: new Date(now - w.spanMs).toISOString(), end: new Date(now).toISOString() };
}
