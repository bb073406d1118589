import { describe, expect, it } from "vitest";
import { barModel, evenSplit, extendLineModel, lineModel, rebalance, scatterModel, sumInSteps, tableModel } from "./model";

const seconds = (us: number) => us / 1e6;

describe("rebalance: sliders that always sum to the total", () => {
  const opts = { min: 0, max: 1, total: 1, step: 0.01 };

  it("moves the others in proportion to what they hold", () => {
    expect(rebalance([0.5, 0.3, 0.2], 0, 0.7, opts)).toEqual([0.7, 0.18, 0.12]);
  });

  it("shares equally when the others hold nothing", () => {
    expect(rebalance([1, 0, 0], 0, 0.5, opts)).toEqual([0.5, 0.25, 0.25]);
  });

  it("keeps each weight under max, handing the excess to the others", () => {
    const out = rebalance([0.2, 0.6, 0.2], 1, 0.1, { ...opts, max: 0.5 });
    expect(out).toEqual([0.45, 0.1, 0.45]);
  });

  it("refuses a value the others cannot make up for", () => {
    const out = rebalance([0.4, 0.3, 0.3], 0, 0.0, { ...opts, max: 0.4 });
    expect(out[0]).toBeCloseTo(0.2); // the others take at most 0.4 each
    expect(out.reduce((a, b) => a + b, 0)).toBeCloseTo(1);
  });

  it("sums to the total exactly after rounding to the step", () => {
    const out = rebalance([1 / 3, 1 / 3, 1 / 3], 2, 0.335, opts);
    expect(out.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 10);
    expect(out.every((v) => Math.abs(v * 100 - Math.round(v * 100)) < 1e-9)).toBe(true);
  });
});

describe("sliders that sum to exactly 100 %", () => {
  const opts = { min: 0, max: 1, total: 1, step: 0.01 };
  const hundredths = (vs: number[]) => vs.map((v) => Math.round(v * 100));

  it("start evenly in whole steps, the odd steps to the first ones", () => {
    expect(evenSplit(3, 1, 0.01)).toEqual([0.34, 0.33, 0.33]);
    expect(evenSplit(6, 1, 0.01)).toEqual([0.17, 0.17, 0.17, 0.17, 0.16, 0.16]);
    expect(sumInSteps(evenSplit(7, 1, 0.01), 0.01)).toBe(100);
  });

  it("stay at 100 steps over any sequence of moves, each weight on the step grid and in bounds", () => {
    let values = evenSplit(4, 1, 0.01);
    let seed = 7;
    const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    for (let move = 0; move < 500; move++) {
      const index = Math.floor(random() * 4);
      values = rebalance(values, index, random() * 1.2 - 0.1, { ...opts, max: 0.6 });
      expect(sumInSteps(values, 0.01)).toBe(100);
      for (const v of values) {
        expect(v).toBeGreaterThanOrEqual(0);
        expect(v).toBeLessThanOrEqual(0.6);
        expect(Math.abs(v * 100 - Math.round(v * 100))).toBeLessThan(1e-9);
      }
    }
  });

  it("give the moved slider the value asked for when the others can take the rest", () => {
    const out = rebalance([0.34, 0.33, 0.33], 1, 0.5, opts);
    expect(hundredths(out)).toEqual([25, 50, 25]);
  });

  it("hand a remainder of one step to the slider with the largest share of it", () => {
    // 0.61 left for two equal sliders: 0.31 and 0.30, not 0.305 each
    const out = rebalance([0.25, 0.25, 0.5], 2, 0.39, opts);
    expect(hundredths(out)).toEqual([31, 30, 39]);
  });

  it("move nothing but the one slider when there is only one", () => {
    expect(rebalance([1], 0, 0.3, opts)).toEqual([1]);
  });
});

describe("scatter", () => {
  const spec = { x: "volatility", y: "expected_return", pick: { point: "index" }, targets: ["max_sharpe"], cloud: "cloud" };
  const data = {
    points: [{ volatility: 0.2, expected_return: 0.1, index: 0 }, { volatility: 0.3, expected_return: 0.2, index: 1 }],
    min_variance: { volatility: 0.2, expected_return: 0.1 },
    max_sharpe: null,
    single_assets: [{ volatility: 0.5, expected_return: 0.3, asset: "BTC" }],
    cloud: [[0.25, 0.05], [0.4, 0.1]],
    bars: 120,
  };

  it("reads the frontier strategy's data as series: main, markers, points, cloud", () => {
    const m = scatterModel(spec, data);
    expect(m.series.map((s) => [s.name, s.role, s.points.length])).toEqual([
      ["points", "main", 2], ["min_variance", "marker", 1], ["single_assets", "points", 1], ["cloud", "cloud", 2],
    ]);
    expect(m.pick).toEqual({ payloadKey: "point", field: "index" });
    expect(m.targets).toEqual(["max_sharpe"]);
  });

  it("draws nothing before data", () => {
    expect(scatterModel(spec, null).series).toEqual([]);
  });
});

describe("line chart", () => {
  it("appends one point per update, a series' value found in a nested object", () => {
    const spec = { x: "ts", series: ["BTC", "USD"], append: true };
    const history = [
      { ts: 2_000_000, weights: { BTC: 0.6, USD: 0.4 }, target: { BTC: 0.5 } },
      { ts: 1_000_000, weights: { BTC: 0.5, USD: 0.5 } },
    ];
    const m = lineModel(spec, history[0], history, seconds);
    expect(m.time).toBe(true);
    expect(m.xs).toEqual([1, 2]);
    expect(m.series).toEqual([{ name: "BTC", values: [0.5, 0.6] }, { name: "USD", values: [0.5, 0.4] }]);
  });

  it("extends an appending chart by a batch's new points, in place, and trims what the cap dropped", () => {
    const spec = { x: "ts", series: ["BTC"], append: true };
    const point = (i: number) => ({ ts: i * 1_000_000, weights: { BTC: i / 100 } });
    let history: unknown[] = [point(1), point(2), "not a point", point(3)];
    let cache = extendLineModel(null, spec, history.at(-1), history, seconds);
    const xs = cache.model.xs;
    for (const batch of [[4, 5], [6], [7, 8, 9]]) {
      history = [...history, ...batch.map(point)].slice(-6); // a copy per batch; the oldest dropped at a cap of 6
      const before = cache.model;
      cache = extendLineModel(cache, spec, history.at(-1), history, seconds);
      expect(cache.model).not.toBe(before); // a new model for React, on the same columns
      expect(cache.model.xs).toBe(xs);
      expect(cache.model).toEqual(lineModel(spec, history.at(-1), history, seconds)); // as if built whole
    }
    expect(cache.model.xs).toEqual([4, 5, 6, 7, 8, 9]);
  });

  it("is built whole again for another history or a point out of order", () => {
    const spec = { x: "ts", series: ["BTC"], append: true };
    const first = [{ ts: 2_000_000, BTC: 1 }];
    const cache = extendLineModel(null, spec, null, first, seconds);
    const reloaded = extendLineModel(cache, spec, null, [{ ts: 1_000_000, BTC: 3 }, { ts: 3_000_000, BTC: 2 }], seconds);
    expect(reloaded.model.xs).toEqual([1, 3]);
    expect(reloaded.model.xs).not.toBe(cache.model.xs);
    const late = extendLineModel(cache, spec, null, [...first, { ts: 1_000_000, BTC: 0 }], seconds);
    expect(late.model.xs).toEqual([1, 2]);
    expect(late.model.series[0]!.values).toEqual([0, 1]);
  });

  it("takes columns without append", () => {
    const m = lineModel({ x: "step" }, { step: [1, 2], equity: [10, 11] }, [], seconds);
    expect(m.time).toBe(false);
    expect(m.series).toEqual([{ name: "equity", values: [10, 11] }]);
  });
});

describe("bar chart", () => {
  it("groups by asset, shows weights as percentages and lists the other fields", () => {
    const m = barModel({ assets: ["BTC", "USD"], series: ["current", "target", "proposed"] },
                       { current: { BTC: 0.25, USD: 0.75 }, target: null, proposed: null, paused: false, selection: "max_sharpe" });
    expect(m.categories).toEqual(["BTC", "USD"]);
    expect(m.series).toEqual([{ name: "current", values: [0.25, 0.75] }]);
    expect(m.percent).toBe(true);
    expect(m.extras).toEqual([["paused", false], ["selection", "max_sharpe"]]);
  });
});

describe("table", () => {
  it("orders object rows by the declared columns", () => {
    const m = tableModel({ columns: ["order_id", "side"] }, { rows: [{ side: "buy", order_id: "o1" }] }, []);
    expect(m.rows).toEqual([["o1", "buy"]]);
  });

  it("shows the rows gathered one per update", () => {
    const m = tableModel({ columns: ["round"] }, { round: 2 }, [{ round: 2 }, { round: 1 }]);
    expect(m.rows).toEqual([[2], [1]]);
  });
});
