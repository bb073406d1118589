import { describe, expect, it } from "vitest";
import type { Market, WalletSet } from "../../api/types";
import { checkOrder, contentOf, keyFor, orderRequest, type OrderForm } from "./form";

const market: Market = {
  venue: "synthetic", pair: "BTC-USD", base: "BTC", quote: "USD", price_increment: "0.01",
  size_increment: "0.00001", min_size: "0.001", max_size: "100", min_notional: "10",
  book: { stale: false, bid: "20000", ask: "20001", last_update_age_s: 0.2 },
};
const set: WalletSet = {
  wallet_set_id: "ws-1", run_id: "manual-1", active: true, open_orders: 0,
  balances: [
    { venue: "synthetic", currency: "USD", balance: "1000", available: "1000", hold: "0" },
    { venue: "synthetic", currency: "BTC", balance: "0.5", available: "0.5", hold: "0" },
  ],
};
const form = (over: Partial<OrderForm> = {}): OrderForm => ({
  walletSetId: "ws-1", market: "synthetic/BTC-USD", side: "buy", type: "limit", size: "0.01", price: "19000",
  postOnly: false, cancelAfter: "", ...over,
});

describe("checking an order as the ledger does", () => {
  it("lets a good limit order through and says what it reserves", () => {
    const check = checkOrder(form(), market, set);
    expect(check.blocker).toBeNull();
    expect(check.needs).toEqual({ venue: "synthetic", currency: "USD", amount: "190", available: "1000" });
    expect(check.warning).toBeNull();
  });

  it("needs a wallet set and a market first", () => {
    expect(checkOrder(form(), market, undefined).blocker).toMatch(/Choose a wallet set/);
    expect(checkOrder(form(), market, { ...set, active: false }).blocker).toMatch(/deactivated/);
    expect(checkOrder(form(), undefined, set).blocker).toBe("Choose a market.");
  });

  it("mirrors the size rules: format, step, minimum, maximum", () => {
    expect(checkOrder(form({ size: "" }), market, set).problems.size).toBe("Enter a size.");
    expect(checkOrder(form({ size: "1e-3" }), market, set).problems.size).toMatch(/at most 8 decimals/);
    expect(checkOrder(form({ size: "0" }), market, set).problems.size).toMatch(/above zero/);
    expect(checkOrder(form({ size: "0.000015" }), market, set).problems.size).toMatch(/multiple of 0.00001 BTC/);
    expect(checkOrder(form({ size: "0.0009" }), market, set).problems.size).toMatch(/at least 0.001 BTC/);
    expect(checkOrder(form({ size: "100.00001" }), market, set).problems.size).toMatch(/at most 100 BTC/);
  });

  it("mirrors the price rules, naming a market order's price its protection", () => {
    expect(checkOrder(form({ price: "" }), market, set).blocker).toMatch(/Enter a limit price/);
    expect(checkOrder(form({ type: "market", price: "" }), market, set).blocker).toMatch(/protection price/);
    expect(checkOrder(form({ type: "fok", price: " " }), market, set).blocker).toMatch(/a fok order needs one/);
    expect(checkOrder(form({ price: "19000.005" }), market, set).problems.price).toMatch(/multiple of 0.01 USD/);
    expect(checkOrder(form({ type: "market", price: "-1" }), market, set).problems.price).toMatch(/protection price must be/);
  });

  it("refuses an order worth less than the minimum value, computed exactly", () => {
    const small = checkOrder(form({ size: "0.001", price: "9999.99" }), market, set);
    expect(small.problems.size).toBe("The order's value, 9.99999 USD, is below the minimum 10 USD.");
    expect(checkOrder(form({ size: "0.001", price: "10000" }), market, set).blocker).toBeNull();
  });

  it("checks cancel-after for limit orders only", () => {
    expect(checkOrder(form({ cancelAfter: "0" }), market, set).problems.cancelAfter).toMatch(/1 to 31622400/);
    expect(checkOrder(form({ cancelAfter: "1.5" }), market, set).problems.cancelAfter).toBeDefined();
    expect(checkOrder(form({ cancelAfter: "31622401" }), market, set).problems.cancelAfter).toBeDefined();
    expect(checkOrder(form({ cancelAfter: "60" }), market, set).blocker).toBeNull();
    expect(checkOrder(form({ type: "ioc", cancelAfter: "0" }), market, set).blocker).toBeNull();
  });

  it("warns, without blocking, when the wallet set lacks the funds", () => {
    const buy = checkOrder(form({ size: "0.1", price: "19000" }), market, set);
    expect(buy.blocker).toBeNull();
    expect(buy.warning).toBe("This order needs 1900 USD plus fees on synthetic; wallet set ws-1 has 1000 available, so the ledger will refuse it.");
    const sell = checkOrder(form({ side: "sell", size: "0.6" }), market, set);
    expect(sell.needs).toEqual({ venue: "synthetic", currency: "BTC", amount: "0.6", available: "0.5" });
    expect(sell.warning).toMatch(/needs 0.6 BTC on synthetic/);
  });
});

describe("the request sent", () => {
  it("carries the run of the wallet set, normalised amounts and the key", () => {
    const body = orderRequest(form({ size: "0.0100", price: "19000.50", postOnly: true, cancelAfter: "60" }), market, set, "ord-1");
    expect(body).toEqual({
      run_id: "manual-1", wallet_set_id: "ws-1", venue: "synthetic", pair: "BTC-USD", side: "buy", type: "limit",
      size: "0.01", price: "19000.5", post_only: true, cancel_after_s: 60, order_id: "ord-1",
    });
  });

  it("sends post-only and cancel-after with limit orders only", () => {
    const body = orderRequest(form({ type: "ioc", postOnly: true, cancelAfter: "60" }), market, set, "ord-2");
    expect(body.post_only).toBe(false);
    expect(body.cancel_after_s).toBeNull();
  });

  it("keeps the key for a retry of the same order whose outcome is unknown, and only then", () => {
    let n = 0;
    const fresh = () => `k${++n}`;
    const content = contentOf(orderRequest(form(), market, set, "x"));
    expect(content).toBe(contentOf(orderRequest(form(), market, set, "y"))); // the key is not content
    expect(keyFor(null, content, fresh)).toBe("k1");
    expect(keyFor({ content, key: "k1", settled: false }, content, fresh)).toBe("k1");
    expect(keyFor({ content, key: "k1", settled: true }, content, fresh)).toBe("k2");
    const other = contentOf(orderRequest(form({ size: "0.02" }), market, set, "x"));
    expect(keyFor({ content, key: "k1", settled: false }, other, fresh)).toBe("k3");
  });
});
