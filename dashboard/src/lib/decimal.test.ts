import { describe, expect, it } from "vitest";
import { exactInteger, fromUnits, MAX_UNITS, normalise, notional, percentOf, shareOf, toUnits, unitsText } from "./decimal";

describe("decimal amounts", () => {
  it("parses exactly, without floats, as the API reads them", () => {
    expect(toUnits("0.1")).toBe(10_000_000n);
    expect(toUnits("12")).toBe(1_200_000_000n);
    expect(toUnits("0.00000001")).toBe(1n);
    expect(toUnits("12345678901.12345678")).toBe(1_234_567_890_112_345_678n); // past a float's 2^53
    expect(toUnits(" 3 ")).toBe(300_000_000n);
  });

  it("refuses what the API refuses", () => {
    for (const bad of ["", "-1", "1e3", "0.123456789", "0.000000001", "1.", ".5", "abc", "1,5", "123456789012"]) {
      expect(toUnits(bad), bad).toBeNull();
    }
    expect(toUnits("92233720368.54775808")).toBeNull(); // one unit past the largest
    expect(toUnits("92233720368.54775807")).toBe(MAX_UNITS);
  });

  it("prints the shortest exact form", () => {
    expect(fromUnits(25_000_000n)).toBe("0.25");
    expect(fromUnits(10_000_000_000n)).toBe("100");
    expect(fromUnits(1n)).toBe("0.00000001");
    expect(fromUnits(0n)).toBe("0");
    expect(fromUnits(-150_000_000n)).toBe("-1.5");
    expect(fromUnits(MAX_UNITS)).toBe("92233720368.54775807");
    expect(normalise("100.50000000")).toBe("100.5");
    expect(normalise("x")).toBeNull();
  });

  it("values an order as the ledger does, rounded down", () => {
    expect(notional(toUnits("0.1")!, toUnits("0.3")!)).toBe(toUnits("0.03")); // 0.1 * 0.3 as floats is 0.030000000000000002
    expect(notional(3n, 50_000_000n)).toBe(1n); // 1.5 units, rounded down
  });

  it("a slider's share rounds down to the unit and never exceeds the pool", () => {
    expect(shareOf("0.3", 33)).toBe("0.099");
    expect(shareOf("0.00000003", 50)).toBe("0.00000001");
    expect(shareOf("1000.12345678", 100)).toBe("1000.12345678");
    expect(shareOf("10", 250)).toBe("10");
    expect(percentOf("2.5", "10")).toBe(25);
    expect(percentOf("11", "10")).toBe(100);
    expect(percentOf("x", "10")).toBe(0);
  });
});

describe("the stream's integers", () => {
  it("reads a long beyond 2^53, sent as its digits, exactly", () => {
    expect(exactInteger("9007199254740993")).toBe(9_007_199_254_740_993n);
    expect(exactInteger("-9007199254740993")).toBe(-9_007_199_254_740_993n);
    expect(exactInteger(42)).toBe(42n);
    expect(exactInteger(2 ** 53 + 2)).toBeNull(); // a number past 2^53 may already be wrong: not trusted
    expect(exactInteger("1.5")).toBeNull();
    expect(unitsText("9007199254740993")).toBe("90071992.54740993");
    expect(unitsText(150_000_000)).toBe("1.5");
  });
});
