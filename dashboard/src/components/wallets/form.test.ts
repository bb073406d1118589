import { describe, expect, it } from "vitest";
import type { WalletSet } from "../../api/types";
import {
  adjustProblem, adjustRows, buildAdjustBody, buildCreateBody, clampAdjust, idProblem, pricesFrom, signedUnits,
  totalUsd, usdOf, windowRange, WINDOWS, type AdjustRow,
} from "./form";

const row = (amount: string, available = "10") => ({ venue: "synthetic", currency: "USD", available, amount });

describe("the new wallet set form", () => {
  it("sends the amounts as typed, leaving empty and zero rows out", () => {
    const { body, problems } = buildCreateBody({
      walletSetId: " set-1 ", runId: "manual-1", commandId: "ws-1",
      rows: [row("2.5"), { ...row("", "1"), currency: "BTC" }, { ...row("0", "1"), currency: "ETH" }],
    });
    expect(problems).toEqual([]);
    expect(body).toEqual({ wallet_set_id: "set-1", run_id: "manual-1", command_id: "ws-1",
                           allocations: [{ venue: "synthetic", currency: "USD", amount: "2.5" }] });
  });

  it("refuses more than the pool holds, bad ids and an empty allocation", () => {
    expect(buildCreateBody({ walletSetId: "s", runId: "r", commandId: "k", rows: [row("10.00000001")] }).problems)
      .toEqual(["USD on synthetic: at most 10 is available."]);
    expect(buildCreateBody({ walletSetId: "a b", runId: "", commandId: "k", rows: [row("")] }).problems).toEqual([
      "The wallet set id may hold letters, digits and . _ : @ - only (at most 128).", "Give the run id.",
      "Allocate an amount of at least one currency from the pool.",
    ]);
    expect(idProblem("ok-1:x@y", "id")).toBeNull();
  });
});

describe("adjusting a set", () => {
  const set: WalletSet = { wallet_set_id: "s", run_id: "r", active: true, open_orders: 0, balances: [
    { venue: "synthetic", currency: "BTC", balance: "2", available: "1.5", hold: "0.5" },
  ] };
  const pool = [{ venue: "synthetic", currency: "USD", amount: "100" }, { venue: "synthetic", currency: "BTC", amount: "1" }];

  it("offers every currency of the pool or the set, with what each side can give", () => {
    expect(adjustRows(pool, set)).toEqual([
      { venue: "synthetic", currency: "BTC", pool: "1", free: "1.5", amount: "" },
      { venue: "synthetic", currency: "USD", pool: "100", free: "0", amount: "" },
    ]);
  });

  it("reads signed amounts exactly", () => {
    expect(signedUnits("-0.00000001")).toBe(-1n);
    expect(signedUnits("+2")).toBe(200_000_000n);
    expect(signedUnits("--1")).toBeNull();
    expect(signedUnits("1.000000001")).toBeNull();
  });

  it("caps a top-up at the pool and a reduction at the set's free funds", () => {
    const [btc, usd] = adjustRows(pool, set) as [AdjustRow, AdjustRow];
    expect(clampAdjust("5", btc)).toBe("1");
    expect(clampAdjust("-5", btc)).toBe("-1.5");
    expect(clampAdjust("-1", usd)).toBe("0");
    expect(clampAdjust("-0.", btc)).toBe("-0.");
    expect(adjustProblem({ ...btc, amount: "-1.50000001" })).toBe("at most 1.5 is free in the set");
    expect(adjustProblem({ ...btc, amount: "1.00000001" })).toBe("at most 1 is in the pool");
    expect(adjustProblem({ ...btc, amount: "x" })).toBe("an amount such as 100 to top up or -50 to reduce");
  });

  it("sends the non-zero changes, normalised, with the command id", () => {
    const [btc, usd] = adjustRows(pool, set) as [AdjustRow, AdjustRow];
    const { body, problems } = buildAdjustBody([{ ...btc, amount: "-0.50" }, { ...usd, amount: "+25" }], "adj-1");
    expect(problems).toEqual([]);
    expect(body).toEqual({ command_id: "adj-1", allocations: [
      { venue: "synthetic", currency: "BTC", amount: "-0.5" }, { venue: "synthetic", currency: "USD", amount: "25" },
    ] });
    expect(buildAdjustBody([{ ...btc, amount: "0" }], "k").problems)
      .toEqual(["Type an amount to top up (positive) or reduce (negative)."]);
  });
});

describe("USD", () => {
  const values = [{ currency: "BTC", amount: "2", usd: "100000.5" }, { currency: "USD", amount: "10.25", usd: "10.25" },
                  { currency: "XYZ", amount: "3", usd: null }];
  it("sums the account's value exactly and names what has no price", () => {
    expect(totalUsd(values)).toEqual({ usd: "100010.75", unpriced: ["XYZ"] });
  });
  it("values an amount at the account's price of its currency (display)", () => {
    const prices = pricesFrom(values);
    expect(usdOf("1", "BTC", prices)).toBeCloseTo(50000.25, 6);
    expect(usdOf("1", "XYZ", prices)).toBeNull();
  });
  it("asks for a window ending now", () => {
    expect(windowRange(WINDOWS[0]!, Date.parse("2026-01-01T01:00:00Z")))
      .toEqual({ start: "2026-01-01T00:00:00.000Z", end: "2026-01-01T01:00:00.000Z" });
  });
});
