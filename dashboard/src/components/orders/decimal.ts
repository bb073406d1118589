// Exact decimal amounts for the order form: the API's decimal strings as BigInt fixed-point units
// (1e-8, as on the wire), so checks and sums never go through a float.

export const DECIMALS = 8;
export const SCALE = 10n ** BigInt(DECIMALS);
/** The largest amount the API takes (the wire's Avro long, in units). */
export const MAX_UNITS = 9_223_372_036_854_775_807n;

const AMOUNT = /^([0-9]{1,11})(?:\.([0-9]{1,8}))?$/;

/** "0.25" -> 25000000n; null when the text is not a positive-or-zero decimal of at most 8 decimals. */
export function toUnits(text: string): bigint | null {
  const m = AMOUNT.exec(text.trim());
  if (!m) return null;
  const units = BigInt(m[1]!) * SCALE + BigInt((m[2] ?? "").padEnd(DECIMALS, "0"));
  return units > MAX_UNITS ? null : units;
}

/** Units -> the shortest decimal string ("0.25", "100"), exact. */
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
