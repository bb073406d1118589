// Exact decimal amounts: the API's decimal strings as BigInt fixed-point units (1e-8, as on the wire),
// so checks, shares and sums never go through a float; and the stream's integers (a number, or a string
// of digits beyond a float's exact range) read exactly. Display may round; what is sent never does.
import type { Long } from "../api/events.gen";

export const DECIMALS = 8;
export const SCALE = 10n ** BigInt(DECIMALS);
/** The largest amount the API takes (the wire's Avro long, in units). */
export const MAX_UNITS = 9_223_372_036_854_775_807n;

// As the API reads an amount (api/fields.py): digits, an optional "." and at most 8 decimals.
const AMOUNT = /^([0-9]{1,11})(?:\.([0-9]{1,8}))?$/;

/** "0.25" -> 25000000n; null when the text is not a decimal the API takes (at most 8 decimals, at most
 *  MAX_UNITS units, no sign). Surrounding spaces are ignored. */
export function toUnits(text: string): bigint | null {
  const m = AMOUNT.exec(text.trim());
  if (!m) return null;
  const units = BigInt(m[1]!) * SCALE + BigInt((m[2] ?? "").padEnd(DECIMALS, "0"));
  return units > MAX_UNITS ? null : units;
}

/** Units -> the shortest decimal string ("0.25", "100", "-1.5"), exact. */
export function fromUnits(units: bigint): string {
  const sign = units < 0n ? "-" : "";
  const abs = units < 0n ? -units : units;
  const whole = abs / SCALE;
  const frac = (abs % SCALE).toString().padStart(DECIMALS, "0").replace(/0+$/, "");
  return `${sign}${whole}${frac ? `.${frac}` : ""}`;
}

/** Quote value of `size` at `price`, rounded down (as the ledger's `notional`). */
export function notional(price: bigint, size: bigint): bigint {
  return (price * size) / SCALE;
}

/** `text` (a decimal string from the API, possibly with more digits than needed) normalised, or null. */
export function normalise(text: string | null | undefined): string | null {
  if (text == null) return null;
  const u = toUnits(text);
  return u === null ? null : fromUnits(u);
}

/** `percent` % of `available` (rounded down to the unit), as text: what a slider position stands for. */
export function shareOf(available: string, percent: number): string {
  const total = toUnits(available) ?? 0n;
  const p = BigInt(Math.max(0, Math.min(100, Math.round(percent))));
  return fromUnits((total * p) / 100n);
}

/** Where `amount` sits in `available`, 0–100, for a slider only (display: a float is fine here). */
export function percentOf(amount: string, available: string): number {
  const a = toUnits(amount);
  const total = toUnits(available);
  if (a === null || total === null || total === 0n) return 0;
  if (a >= total) return 100;
  return Number((a * 10000n) / total) / 100;
}

/** An integer of an event (an Avro long: a number, or its digits as a string when beyond ±2^53 - 1)
 *  as a BigInt, exactly; null when it is not an integer. */
export function exactInteger(value: Long | null | undefined): bigint | null {
  if (typeof value === "number") return Number.isSafeInteger(value) ? BigInt(value) : null;
  if (typeof value === "string" && /^-?[0-9]+$/.test(value)) return BigInt(value);
  return null;
}

/** An event's fixed-point amount (units of 1e-8) as a decimal string, exactly; a float as it is. */
export function unitsText(value: Long): string {
  const units = exactInteger(value);
  return units === null ? String(value) : fromUnits(units);
}
