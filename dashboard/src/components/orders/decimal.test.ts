import { describe, expect, it } from "vitest";
import { fromUnits, MAX_UNITS, normalise, notional, toUnits } from "./decimal";

describe("decimal amounts", () => {
  it("parses exactly, without floats", () => {
    expect(toUnits("0.1")).toBe(10_000_000n);
    expect(toUnits("12345678901.12345678")).toBe(1_234_567_890_112_345_678n);
    expect(toUnits(" 3 ")).toBe(300_000_000n);
  });

  it("refuses what the API refuses", () => {
    for (const bad of ["", "-1", "1e3", "0.123456789", "1.", ".5", "abc", "1,5", "123456789012"]) {
      expect(toUnits(bad), bad).toBeNull();
    }
    expect(toUnits("92233720368.54775808")).toBeNull(); // one unit past the largest
    expect(toUnits("92233720368.54775807")).toBe(MAX_UNITS);
  });

  it("prints the shortest exact form", () => {
    expect(fromUnits(25_000_000n)).toBe("0.25");
    expect(fromUnits(10_000_000_000n)).toBe("100");
    expect(fromUnits(1n)).toBe("0.00000001");
    expect(fromUnits(-150_000_000n)).toBe("-1.5");
    expect(normalise("100.50000000")).toBe("100.5");
  });

  it("values an order as the ledger does, rounded down", () => {
    expect(notional(toUnits("0.1")!, toUnits("0.3")!)).toBe(toUnits("0.03")); // 0.1 * 0.3 as floats is 0.030000000000000002
    expect(notional(3n, 50_000_000n)).toBe(1n); // 1.5 units, rounded down
  });
});
