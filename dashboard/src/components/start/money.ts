// The run form's pure logic: the allocation rows clamped to what the pool holds (amounts as exact
// fixed-point units, lib/decimal.ts), and the start request built from the inputs' own text. No float
// ever touches an amount that is sent.
import type { Amount, RunStart } from "../../api/types";
import { toUnits } from "../../lib/decimal";

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
    const t = text.trim();
    if (/\.\d{9,}$/.test(t)) return "at most 8 decimal places";
    return /^\d{12,}(\.\d*)?$/.test(t) ? "at most 92233720368.54775807" : "a positive amount such as 100 or 0.5";
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
