import { describe, expect, it } from "vitest";
import {
  candleColumns, candleShape, depthOf, formatClock, priceRange, sizeShares, spreadOf, volumeRange, windowRange,
} from "./model";

describe("depthOf", () => {
  it("accumulates each side from its best level, prices ascending, bids before asks", () => {
    const d = depthOf([["100.5", "1"], ["100.0", "2.5"], ["99", "0.5"]], [["101", "3"], ["102", "1.25"]]);
    expect(d.xs).toEqual([99, 100, 100.5, 101, 102]);
    expect(d.bids).toEqual([4, 3.5, 1, null, null]);
    expect(d.asks).toEqual([null, null, null, 3, 4.25]);
  });

  it("keeps one side when the other is empty", () => {
    const d = depthOf([], [["5", "1"]]);
    expect(d).toEqual({ xs: [5], bids: [null], asks: [1] });
    expect(depthOf([], [])).toEqual({ xs: [], bids: [], asks: [] });
  });
});

describe("sizeShares", () => {
  it("scales every level against the largest size of both sides", () => {
    expect(sizeShares([["1", "2"], ["0.9", "4"]], [["1.1", "1"]])).toEqual({ bids: [0.5, 1], asks: [0.25] });
  });
  it("gives zero bars for an empty or zero book", () => {
    expect(sizeShares([["1", "0"]], [])).toEqual({ bids: [0], asks: [] });
  });
});

describe("spreadOf", () => {
  it("writes the spread with the prices' decimals and in basis points of the mid", () => {
    const s = spreadOf("100.10", "100.3");
    expect(s?.value).toBe("0.20");
    expect(s?.bps).toBeCloseTo((0.2 / 100.2) * 10_000, 6);
  });
  it("is null without both sides", () => {
    expect(spreadOf(null, "1")).toBeNull();
    expect(spreadOf("1", undefined)).toBeNull();
  });
});

describe("windowRange", () => {
  it("ends after the running bucket and starts a whole window of buckets before", () => {
    const now = Date.parse("2026-12-07T12:34:56.789Z");
    expect(windowRange("1h", "1m", now)).toEqual({ start: "2026-12-07T11:35:00.000Z", end: "2026-12-07T12:35:00.000Z" });
    expect(windowRange("1d", "1h", now)).toEqual({ start: "2026-12-06T13:00:00.000Z", end: "2026-12-07T13:00:00.000Z" });
    expect(windowRange("1w", "1d", now)).toEqual({ start: "2026-12-01T00:00:00.000Z", end: "2026-12-08T00:00:00.000Z" });
  });
});

describe("candles", () => {
  it("turns the API's rows into uPlot columns, seconds and numbers", () => {
    const cols = candleColumns([
      { start: "2026-12-07T12:00:00Z", open: "1", high: "3", low: "0.5", close: "2", volume: "10" },
      { start: "2026-12-07T12:01:00Z", open: "2", high: "2", low: "1", close: "1.5", volume: "0" },
    ]);
    expect(cols).toEqual([[1796644800, 1796644860], [1, 2], [3, 2], [0.5, 1], [2, 1.5], [10, 0]]);
  });

  it("places a rising candle: body open to close, wick high to low, centred in its bucket", () => {
    const y = (p: number) => 200 - p * 10; // price 0 at 200 px, up the screen as it rises
    const s = candleShape(100, 20, 5, 9, 2, 7, y);
    expect(s).toEqual({ left: 103, width: 14, top: 130, height: 20, centre: 110, wickTop: 110, wickBottom: 180, up: true });
  });

  it("marks a falling candle down and gives a doji a 1 px body, a narrow bucket a 1 px width", () => {
    const y = (p: number) => 100 - p;
    expect(candleShape(0, 10, 8, 9, 4, 5, y)).toMatchObject({ top: 92, height: 3, up: false });
    expect(candleShape(0, 1, 5, 5, 5, 5, y)).toMatchObject({ width: 1, height: 1, up: true });
  });

  it("pads the price scale and leaves room under the volume bars", () => {
    expect(priceRange([10, 12], [15, 20])).toEqual([9.5, 20.5]);
    const [lo, hi] = priceRange([100], [100]);
    expect(lo).toBeLessThan(100);
    expect(hi).toBeGreaterThan(100);
    expect(volumeRange([1, 4, 2])).toEqual([0, 20]);
    expect(volumeRange([])).toEqual([0, 1]);
  });
});

describe("formatClock", () => {
  it("writes the time of day alone, and leaves what is not a time as it is", () => {
    expect(formatClock("2026-12-07T12:34:56Z")).toMatch(/^\d{2}:\d{2}:\d{2}$/);
    expect(formatClock("soon")).toBe("soon");
  });
});
