import { describe, expect, it } from "vitest";
import {
  alignCurves, bestOf, distribution, formatDrawdown, formatElapsed, formatRatio, formatReturn, METRIC_ROWS, normalise,
  parseParams, parseReport, pricesFromValue, selectionFromParam, toggleSelection, type Report,
} from "./model";

const metrics = (total: number, extra: Record<string, unknown> = {}) => ({
  start_value: 10000, end_value: 10000 * (1 + total), total_return: total, annualised_return: null,
  volatility: 0.5, sharpe: 1.2, sortino: null, max_drawdown: 0.1, max_drawdown_duration_us: 3_600_000_000,
  drawdown_recovered: false, ...extra,
});

const raw = (id: string, total: number, extra: Record<string, unknown> = {}) => ({
  run_id: id, strategy: "hodl", params: [["bases", "BTC"]], start_ts: 1_000_000, end_ts: 5_000_000,
  result: metrics(total), hodl: metrics(0.01), fees_usd: 1.5, traded_usd: 9000, turnover: 0.9, orders: 2,
  fills: 3, rejected: 0, cancels: 0, equity: [[1_000_000, 10000], [2_000_000, 10500]],
  benchmark: [[1_000_000, 10000], [2_000_000, 10100]], market_return: 0.02, notes: ["no fees"], ...extra,
});

describe("parseReport: the API's report as free JSON", () => {
  it("reads every figure and both curves", () => {
    const r = parseReport(raw("a", 0.05))!;
    expect(r.result.total_return).toBe(0.05);
    expect(r.result.sortino).toBeNull();
    expect(r.hodl.total_return).toBe(0.01);
    expect(r.equity).toEqual([[1_000_000, 10000], [2_000_000, 10500]]);
    expect([r.orders, r.fills, r.fees_usd, r.turnover]).toEqual([2, 3, 1.5, 0.9]);
    expect(r.notes).toEqual(["no fees"]);
  });

  it("refuses what is not a report, and drops malformed samples", () => {
    expect(parseReport(null)).toBeNull();
    expect(parseReport({ run_id: "x" })).toBeNull();
    expect(parseReport(raw("a", 0, { result: { total_return: "5" } }))).toBeNull();
    const r = parseReport(raw("a", 0, { equity: [[1, 2], ["x", 3], [4], [5, 6]] }))!;
    expect(r.equity).toEqual([[1, 2], [5, 6]]);
  });
});

describe("normalise: 1.0 at the start", () => {
  it("divides by the first positive value", () => {
    expect(normalise([[1, 0], [2, 200], [3, 300], [4, 100]])).toEqual([[1, 0], [2, 1], [3, 1.5], [4, 0.5]]);
  });

  it("is empty for a curve without a positive value", () => {
    expect(normalise([])).toEqual([]);
    expect(normalise([[1, 0], [2, -3]])).toEqual([]);
  });
});

describe("alignCurves: one x axis for several curves", () => {
  it("keeps event time when every curve starts together, null where a curve has no sample", () => {
    const a = alignCurves([
      { name: "a", points: [[1_000_000, 1], [3_000_000, 2]] },
      { name: "HODL", points: [[1_000_000, 1], [2_000_000, 1.5]], dashed: true },
    ]);
    expect(a.mode).toBe("time");
    expect(a.xs).toEqual([1, 2, 3]);
    expect(a.values).toEqual([[1, null, 2], [1, 1.5, null]]);
    expect(a.dashed).toEqual([false, true]);
  });

  it("lays curves of different windows over each other from their starts", () => {
    const a = alignCurves([
      { name: "jan", points: [[10_000_000, 1], [70_000_000, 1.1]] },
      { name: "feb", points: [[500_000_000, 1], [560_000_000, 0.9]] },
      { name: "empty", points: [] },
    ]);
    expect(a.mode).toBe("elapsed");
    expect(a.xs).toEqual([0, 60]);
    expect(a.names).toEqual(["jan", "feb"]);
    expect(a.values).toEqual([[1, 1.1], [1, 0.9]]);
  });
});

describe("figures", () => {
  it("signs returns and shows a drawdown as a loss", () => {
    expect(formatReturn(0.0525)).toBe("+5.25 %");
    expect(formatReturn(-0.01)).toBe("−1.00 %");
    expect(formatReturn(-0.000001)).toBe("0.00 %");
    expect(formatReturn(null)).toBe("—");
    expect(formatDrawdown(0.123)).toBe("−12.3 %");
    expect(formatDrawdown(0)).toBe("0.0 %");
    expect(formatDrawdown(0.0004)).toBe("−0.04 %");
    expect(formatReturn(127824741491352.3)).toBe("+1.3e+16 %"); // six hours compounded to a year
    expect(formatRatio(-48.2)).toBe("−48.20");
    expect(formatRatio(-0.001)).toBe("0.00");
  });

  it("labels elapsed time", () => {
    expect(formatElapsed(30)).toBe("30 s");
    expect(formatElapsed(5400)).toBe("1.5 h");
    expect(formatElapsed(3 * 86400)).toBe("3 d");
  });

  it("marks the best report per row, lowest drawdown and highest Sharpe", () => {
    const reports = [parseReport(raw("a", 0.05))!, parseReport(raw("b", 0.02))!];
    reports[1] = { ...reports[1]!, result: { ...reports[1]!.result, max_drawdown: 0.05, sharpe: 2 } } as Report;
    const row = (key: string) => METRIC_ROWS.find((r) => r.key === key)!;
    expect([...bestOf(row("return"), reports)]).toEqual([0]);
    expect([...bestOf(row("drawdown"), reports)]).toEqual([1]);
    expect([...bestOf(row("sharpe"), reports)]).toEqual([1]);
    expect(bestOf(row("sortino"), reports).size).toBe(0); // undefined for both
    expect(bestOf(row("fees"), reports).size).toBe(0); // equal: no winner
    const close = [reports[0]!, { ...reports[1]!, fees_usd: 1.5001 }];
    expect(bestOf(row("fees"), close).size).toBe(0); // equal as shown ($1.50): no winner either
    expect(bestOf(row("return"), reports.slice(0, 1)).size).toBe(0); // nothing to compare with
    expect(row("excess").value(reports[0]!)).toBe("+4.00 %");
  });
});

describe("choosing backtests to compare", () => {
  it("ticks and unticks, dropping the oldest choice past the maximum", () => {
    expect(toggleSelection([], "a")).toEqual(["a"]);
    expect(toggleSelection(["a", "b"], "a")).toEqual(["b"]);
    expect(toggleSelection(["a", "b", "c"], "d", 3)).toEqual(["b", "c", "d"]);
  });

  it("reads a selection from the URL, ignoring what is not an id", () => {
    expect(selectionFromParam("a,b, a,../x,,c", 3)).toEqual(["a", "b", "c"]);
    expect(selectionFromParam(null)).toEqual([]);
  });
});

describe("distribution: allocated against unallocated", () => {
  const prices = pricesFromValue([
    { currency: "BTC", amount: "3", usd: "30000" }, { currency: "USD", amount: "100", usd: "100" },
    { currency: "XMR", amount: "1", usd: null },
  ]);

  it("prices currencies from the account's value", () => {
    expect(prices.get("BTC")).toBe(10000);
    expect(prices.get("USD")).toBe(1);
    expect(prices.has("XMR")).toBe(false);
  });

  it("puts the pool and each active set side by side per venue and currency", () => {
    const { rows, setIds } = distribution(
      [{ venue: "v", currency: "BTC", amount: "1" }, { venue: "v", currency: "XMR", amount: "1" }],
      [
        { wallet_set_id: "ws1", active: true, balances: [{ venue: "v", currency: "BTC", balance: "2" },
                                                         { venue: "v", currency: "USD", balance: "100" }] },
        { wallet_set_id: "old", active: false, balances: [{ venue: "v", currency: "BTC", balance: "9" }] },
      ],
      prices,
    );
    expect(setIds).toEqual(["ws1"]);
    expect(rows.map((r) => [r.currency, r.unallocated, r.bySet.ws1 ?? "0"])).toEqual([
      ["BTC", "1", "2"], ["USD", "0", "100"], ["XMR", "1", "0"],
    ]);
    const btc = rows[0]!;
    expect(btc.allocatedShare).toBeCloseTo(2 / 3);
    expect([btc.usdUnallocated, btc.usdAllocated]).toEqual([10000, 20000]);
    expect(rows[2]!.usdAllocated).toBeNull(); // no price: no USD figure, not zero
  });
});

describe("parseParams: a backtest's parameters as typed", () => {
  it("reads name=value pairs", () => {
    expect(parseParams(" bases=BTC,ETH  risk=0.2 ")).toEqual({ params: { bases: "BTC,ETH", risk: "0.2" }, error: null });
    expect(parseParams("")).toEqual({ params: {}, error: null });
  });

  it("says what is wrong", () => {
    expect(parseParams("bases").error).toBe('"bases" is not name=value');
    expect(parseParams("=3").error).toBe('"=3" is not name=value');
    expect(parseParams("a=1 a=2").error).toBe("a is given twice");
    expect(parseParams("1x=2").error).toBe('"1x" is not a parameter name');
  });
});
