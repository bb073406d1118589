import { describe, expect, it } from "vitest";
import type { AnyEvent } from "../../api/events.gen";
import type { Fill, Order } from "../../api/orders";
import { delayBeforeNext, fillsByOrder, orderActivityMark, stateLabel, withoutOpen } from "./live";

const ev = (type: string, event_id: string, account: string) => ({ type, event_id, account }) as unknown as AnyEvent;

describe("live reads of the orders page", () => {
  it("marks the newest order event of the account only", () => {
    const activity = [
      ev("OrderFilled", "other:1", "someone-else"),
      ev("WalletMovement", "w:1", "acct"),
      ev("OrderOpened", "o:2", "acct"),
      ev("OrderAccepted", "o:1", "acct"),
    ];
    expect(orderActivityMark(activity, "acct")).toBe("o:2");
    expect(orderActivityMark(activity, "nobody")).toBeNull();
    expect(orderActivityMark([], "acct")).toBeNull();
  });

  it("spaces reads at least the interval apart", () => {
    expect(delayBeforeNext(1000, 0, 500)).toBe(0);
    expect(delayBeforeNext(1200, 1000, 500)).toBe(300);
  });

  it("groups fills per order, oldest first", () => {
    const fill = (order_id: string, fill_id: string) => ({ order_id, fill_id }) as Fill;
    const grouped = fillsByOrder([fill("a", "a:2"), fill("b", "b:1"), fill("a", "a:1")]);
    expect(grouped.get("a")!.map((f) => f.fill_id)).toEqual(["a:1", "a:2"]);
    expect(grouped.get("b")!.length).toBe(1);
  });

  it("drops from the finished list what the open list still holds, and names states", () => {
    const order = (order_id: string, state: string, reason: string | null = null) => ({ order_id, state, reason }) as Order;
    expect(withoutOpen([order("a", "done"), order("b", "done")], [order("a", "open")]).map((o) => o.order_id)).toEqual(["b"]);
    expect(stateLabel(order("a", "done", "cancelled"))).toBe("cancelled");
    expect(stateLabel(order("a", "rejected", "insufficient_funds"))).toBe("rejected");
  });
});
