// The order form's rules, pure: what the user typed -> the problems the API would answer (checked
// here the same way, so the button can say why it is disabled), and the request body to send.
// Funds are a warning, not a block: the ledger holds the order's value plus the highest fee, which
// the dashboard does not know, so it is the ledger's answer that decides.
import type { Market, WalletSet } from "../../api/types";
import type { OrderRequest } from "../../api/orders";
import { fromUnits, notional, toUnits } from "../../lib/decimal";

export type Side = "buy" | "sell";
export type OrderType = "limit" | "market" | "ioc" | "fok";

/** The API's bound on cancel-after (api/models.py MAX_CANCEL_AFTER_S). */
export const MAX_CANCEL_AFTER_S = 366 * 86_400;

export interface OrderForm {
  walletSetId: string;
  /** "venue/pair" (store/apply.ts marketKey). */
  market: string;
  side: Side;
  type: OrderType;
  size: string;
  price: string;
  postOnly: boolean;
  /** Seconds, "" for none. */
  cancelAfter: string;
}

export type Field = "walletSet" | "market" | "size" | "price" | "cancelAfter";

export interface FormCheck {
  /** Each field's problem, in words to act on. */
  problems: Partial<Record<Field, string>>;
  /** The first problem, for the disabled button's explanation; null when the order may be sent. */
  blocker: string | null;
  /** What the order reserves at least (before fees), and what the wallet set has available. */
  needs: { venue: string; currency: string; amount: string; available: string } | null;
  /** A problem the ledger is likely to refuse, shown but not blocking. */
  warning: string | null;
}

export const TYPE_HELP: Record<OrderType, string> = {
  limit: "Rests on the book at its price until filled, cancelled or expired.",
  market: "Takes the book now, no worse than the protection price; what is left is cancelled.",
  ioc: "Immediate or cancel: takes what it can at its limit now; the rest is cancelled.",
  fok: "Fill or kill: fills its whole size at its limit now, or nothing.",
};

export const priceLabel = (type: OrderType): string => (type === "market" ? "Protection price" : "Limit price");

const FORMAT = "digits, an optional '.' and at most 8 decimals, e.g. 0.25";

function amountProblem(text: string, name: string, step: string, min: string | null, max: string | null,
                       unit: string): string | null {
  if (!text.trim()) return `Enter a ${name}.`;
  const units = toUnits(text);
  if (units === null) return `The ${name} must be ${FORMAT}.`;
  if (units === 0n) return `The ${name} must be above zero.`;
  const stepUnits = toUnits(step);
  if (stepUnits && units % stepUnits !== 0n) return `The ${name} must be a multiple of ${fromUnits(stepUnits)} ${unit}.`;
  const minUnits = min === null ? null : toUnits(min);
  if (minUnits !== null && units < minUnits) return `The ${name} must be at least ${fromUnits(minUnits)} ${unit}.`;
  const maxUnits = max === null ? null : toUnits(max);
  if (maxUnits !== null && units > maxUnits) return `The ${name} must be at most ${fromUnits(maxUnits)} ${unit}.`;
  return null;
}

/** The available balance of `currency` on `venue` in a wallet set, in units (0 when it has none). */
export function availableOf(set: WalletSet, venue: string, currency: string): bigint {
  const b = set.balances.find((x) => x.venue === venue && x.currency === currency);
  return (b && toUnits(b.available)) ?? 0n;
}

/** The form checked against the market's rules and the wallet set, as the ledger checks an order. */
export function checkOrder(form: OrderForm, market: Market | undefined, set: WalletSet | undefined): FormCheck {
  const problems: FormCheck["problems"] = {};
  if (!set) problems.walletSet = "Choose a wallet set: the order spends from it.";
  else if (!set.active) problems.walletSet = `Wallet set ${set.wallet_set_id} is deactivated: choose an active one.`;
  if (!market) problems.market = "Choose a market.";
  if (market) {
    const size = amountProblem(form.size, "size", market.size_increment, market.min_size, market.max_size, market.base);
    if (size) problems.size = size;
    const price = form.price.trim()
      ? amountProblem(form.price, priceLabel(form.type).toLowerCase(), market.price_increment, null, null, market.quote)
      : form.type === "market"
        ? "Enter a protection price: the worst price this market order may fill at."
        : `Enter a limit price: a ${form.type} order needs one.`;
    if (price) problems.price = price;
    if (!size && !price && market.min_notional) {
      const value = notional(toUnits(form.price)!, toUnits(form.size)!);
      const min = toUnits(market.min_notional);
      if (min !== null && value < min) {
        problems.size = `The order's value, ${fromUnits(value)} ${market.quote}, is below the minimum ${fromUnits(min)} ${market.quote}.`;
      }
    }
  }
  if (form.type === "limit" && form.cancelAfter.trim()) {
    const text = form.cancelAfter.trim();
    const seconds = /^[0-9]{1,9}$/.test(text) ? Number(text) : NaN;
    if (!Number.isInteger(seconds) || seconds < 1 || seconds > MAX_CANCEL_AFTER_S) {
      problems.cancelAfter = `Cancel-after is whole seconds from 1 to ${MAX_CANCEL_AFTER_S} (366 days), or empty for never.`;
    }
  }
  const order: Field[] = ["walletSet", "market", "size", "price", "cancelAfter"];
  const first = order.map((f) => problems[f]).find(Boolean) ?? null;

  let needs: FormCheck["needs"] = null;
  let warning: string | null = null;
  if (set && market && !problems.size && !problems.price) {
    const size = toUnits(form.size)!;
    const buy = form.side === "buy";
    const currency = buy ? market.quote : market.base;
    const amount = buy ? notional(toUnits(form.price)!, size) : size;
    const available = availableOf(set, market.venue, currency);
    needs = { venue: market.venue, currency, amount: fromUnits(amount), available: fromUnits(available) };
    if (amount > available) {
      warning = `This order needs ${fromUnits(amount)} ${currency}${buy ? " plus fees" : ""} on ${market.venue}; ` +
        `wallet set ${set.wallet_set_id} has ${fromUnits(available)} available, so the ledger will refuse it.`;
    }
  }
  return { problems, blocker: first, needs, warning };
}

/** The request for a checked form (call only when `checkOrder` found no blocker). */
export function orderRequest(form: OrderForm, market: Market, set: WalletSet, orderId: string): OrderRequest {
  const limit = form.type === "limit";
  const cancelAfter = limit && form.cancelAfter.trim() ? Number(form.cancelAfter.trim()) : null;
  return {
    run_id: set.run_id,
    wallet_set_id: set.wallet_set_id,
    venue: market.venue,
    pair: market.pair,
    side: form.side,
    type: form.type,
    size: fromUnits(toUnits(form.size)!),
    price: fromUnits(toUnits(form.price)!),
    post_only: limit && form.postOnly,
    cancel_after_s: cancelAfter,
    order_id: orderId,
  };
}

/** The last order sent: its content, its key, and whether its outcome is known. */
export interface Sent {
  content: string;
  key: string;
  settled: boolean;
}

/** The order's content without its key: what a retry must repeat exactly. */
export function contentOf(req: OrderRequest): string {
  const { order_id: _key, ...rest } = req;
  return JSON.stringify(rest);
}

/** The idempotency key for sending `content`: the last one again while the same order's outcome is
 *  unknown (a retry after a timeout or a 503 is applied once), a fresh one for anything else. */
export function keyFor(last: Sent | null, content: string, fresh: () => string): string {
  return last && !last.settled && last.content === content ? last.key : fresh();
}
