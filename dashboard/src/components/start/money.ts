// The run form's pure logic: decimal amounts as exact fixed-point units (BigInt, 8 places, the API's
// scale), the allocation rows clamped to what the pool holds, and the start request built from the
// inputs' own text. No float ever touches an amount that is sent.
import type { Amount, RunStart } from "../../api/types";

export const PLACES = 8;
const SCALE = 10n ** BigInt(PLACES);
const DECIMAL = /^\d+(\.\d*)?$|^\.\d+$/;

/** A non-negative decimal string as units of 1e-8; null when it is not one or has more than 8 places. */
export function toUnits(text: string): bigint | null {
  const t = text.trim();
  if (!DECIMAL.test(t)) return null;
  const [whole = "", frac = ""] = t.split(".");
  if (frac.length > PLACES) return null;
  return BigInt(whole || "0") * SCALE + BigInt((frac + "0".repeat(PLACES)).slice(0, PLACES));
}

/** Units of 1e-8 as a plain decimal string ("1.5", "0.00000001", "12"). */
export function fromUnits(units: bigint): string {
  const sign = units < 0n ? "-" : "";
  const abs = units < 0n ? -units : units;
  const whole = abs / SCALE;
  const frac = (abs % SCALE).toString().padStart(PLACES, "0").replace(/0+$/, "");
  return `${sign}${whole}${frac ? `.${frac}` : ""}`;
}

/** `percent` % of `available` (rounded down to the unit), as text: what a slider position stands for. */
export function shareOf(available: string, percent: number): string {
  const total = toUnits(available) ?? 0n;
  const p = BigInt(Math.max(0, Math.min(100, Math.round(percent))));
  return fromUnits((total * p) / 100n);
}

/** Where `amount` sits in `available`, 0–100, for the slider only (display: a float is fine here). */
export function percentOf(amount: string, available: string): number {
  const a = toUnits(amount);
  const total = toUnits(available);
  if (a === null || total === null || total === 0n) return 0;
  if (a >= total) return 100;
  return Number((a * 10000n) / total) / 100;
}

export interface Row {
  venue: string;
  currency: string;
  /** What the pool holds, as the API wrote it. */
  available: string;
  /** The input's text: what is sent. */
  amount: string;
}

export const rowKey = (r: { venue: string; currency: string }): string => `${r.venue}/${r.currency}`;

/** A row per pool entry; amounts typed before are kept for the rows that remain. */
export function rowsFromPool(pool: Amount[], previous: Row[] = []): Row[] {
  const typed = new Map(previous.map((r) => [rowKey(r), r.amount]));
  return pool
    .filter((a) => (toUnits(a.amount) ?? 0n) > 0n)
    .map((a) => ({ venue: a.venue, currency: a.currency, available: a.amount, amount: typed.get(rowKey(a)) ?? "" }))
    .sort((a, b) => rowKey(a).localeCompare(rowKey(b)));
}

/**
 * The text an amount input keeps when the user types `text`: over what is available it becomes the
 * available amount (unless the amount is deposited first: then any amount goes); anything else is
 * kept as typed, so a half-typed "0." stays and `amountProblem` says what is wrong.
 */
export function clampAmount(text: string, available: string, deposit: boolean): string {
  if (deposit) return text;
  const units = toUnits(text);
  const limit = toUnits(available);
  if (units !== null && limit !== null && units > limit) return available;
  return text;
}

/** Why an amount cannot be sent, or null ("" is fine: the row is left out). */
export function amountProblem(text: string, available: string, deposit: boolean): string | null {
  if (text.trim() === "") return null;
  const units = toUnits(text);
  if (units === null) {
    return /\.\d{9,}/.test(text.trim()) ? "at most 8 decimal places" : "a positive amount such as 100 or 0.5";
  }
  if (!deposit) {
    const limit = toUnits(available) ?? 0n;
    if (units > limit) return `at most ${available} is available`;
  }
  return null;
}

export interface StartForm {
  strategy: string;
  account: string;
  /** The parameters as typed; empty ones are left to their defaults. */
  params: Record<string, string>;
  rows: Row[];
  /** Deposit the allocation as paper money first (an admin's right). */
  deposit: boolean;
  durationS: string;
  commandId: string;
}

export type Built = { body: RunStart; problems: string[] };

/** The POST /runs body from the form, and what keeps it from being sent (empty: it can be sent). */
export function buildRunBody(form: StartForm): Built {
  const problems: string[] = [];
  if (!form.strategy) problems.push("Choose a strategy.");
  if (!form.account.trim()) problems.push("Choose an account.");
  const balances = [];
  for (const r of form.rows) {
    const problem = amountProblem(r.amount, r.available, form.deposit);
    if (problem) {
      problems.push(`${r.currency} on ${r.venue}: ${problem}.`);
      continue;
    }
    const units = toUnits(r.amount);
    if (units !== null && units > 0n) balances.push({ venue: r.venue, currency: r.currency, amount: r.amount.trim() });
  }
  if (balances.length === 0 && form.rows.every((r) => !amountProblem(r.amount, r.available, form.deposit))) {
    problems.push("Allocate an amount of at least one currency to the run.");
  }
  const params: Record<string, string> = {};
  for (const [k, v] of Object.entries(form.params)) if (v.trim() !== "") params[k] = v.trim();
  let duration: number | null = null;
  if (form.durationS.trim() !== "") {
    duration = /^\d+$/.test(form.durationS.trim()) ? Number(form.durationS.trim()) : NaN;
    if (!Number.isSafeInteger(duration) || duration <= 0) problems.push("The duration is a whole number of seconds above 0.");
  }
  const body: RunStart = {
    strategy: form.strategy, account: form.account.trim(), params, balances, deposit: form.deposit,
    history: true, command_id: form.commandId,
    ...(duration && Number.isSafeInteger(duration) && duration > 0 ? { duration_s: duration } : {}),
  };
  return { body, problems };
}

/** A free-form row the user adds (deposit mode: a currency the pool does not hold yet). */
export function addRow(rows: Row[], venue: string, currency: string): Row[] {
  const v = venue.trim();
  const c = currency.trim().toUpperCase();
  if (!v || !c || rows.some((r) => r.venue === v && r.currency === c)) return rows;
  return [...rows, { venue: v, currency: c, available: "0", amount: "" }];
}
