// What the orders page reads again and when: pure helpers for the page's live updates.
import type { AnyEvent } from "../../api/events.gen";
import type { Fill, Order } from "../../api/orders";

/** Events that change an account's orders or fills. */
const ORDER_EVENTS = new Set<string>([
  "OrderAccepted", "OrderRejected", "OrderOpened", "OrderDone", "CancelRejected", "OrderFilled",
]);

/** The newest order or fill event of `account` in the store's activity (newest first), as a token
 *  that changes whenever a new one arrives; null when there is none. */
export function orderActivityMark(activity: readonly AnyEvent[], account: string): string | null {
  for (const e of activity) {
    if (ORDER_EVENTS.has(e.type) && "account" in e && e.account === account) return e.event_id;
  }
  return null;
}

/** How long to wait before the next read so that reads are at least `everyMs` apart. */
export function delayBeforeNext(now: number, lastRun: number, everyMs: number): number {
  return Math.max(0, lastRun + everyMs - now);
}

/** Fills by order id, each order's oldest first. */
export function fillsByOrder(fills: readonly Fill[]): Map<string, Fill[]> {
  const out = new Map<string, Fill[]>();
  for (const f of fills) {
    const list = out.get(f.order_id);
    if (list) list.push(f);
    else out.set(f.order_id, [f]);
  }
  for (const list of out.values()) list.reverse(); // the API answers newest first
  return out;
}

/** Finished orders not also in the open list (an order may finish between the two reads). */
export function withoutOpen(done: readonly Order[], open: readonly Order[]): Order[] {
  const ids = new Set(open.map((o) => o.order_id));
  return done.filter((o) => !ids.has(o.order_id));
}

/** What an order's state reads as: open, filled, cancelled, expired, killed or rejected. */
export function stateLabel(o: Order): string {
  if (o.state === "done") return o.reason || "done";
  return o.state;
}
