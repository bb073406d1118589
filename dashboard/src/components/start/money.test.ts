import { describe, expect, it } from "vitest";
import { addRow, amountProblem, buildRunBody, clampAmount, fromUnits, percentOf, rowsFromPool, shareOf, toUnits, type StartForm } from "./money";

describe("decimal amounts", () => {
  it("reads decimals exactly, to 8 places", () => {
    expect(toUnits("0.1")).toBe(10_000_000n);
    expect(toUnits("12")).toBe(1_200_000_000n);
    expect(toUnits(".5")).toBe(50_000_000n);
    expect(toUnits("0.00000001")).toBe(1n);
    expect(toUnits("90071992547409.93")).toBe(9_007_199_254_740_993_000_000n); // past a float's 2^53
    expect(toUnits("0.000000001")).toBeNull();
    expect(toUnits("-1")).toBeNull();
    expect(toUnits("1e3")).toBeNull();
    expect(toUnits("")).toBeNull();
  });

  it("writes units back as plain decimals", () => {
    expect(fromUnits(150_000_000n)).toBe("1.5");
    expect(fromUnits(1n)).toBe("0.00000001");
    expect(fromUnits(0n)).toBe("0");
    expect(fromUnits(9_007_199_254_740_993_000_000n)).toBe("90071992547409.93");
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

describe("allocation rows", () => {
  it("clamps a typed amount to what is available, unless it is deposited first", () => {
    expect(clampAmount("150", "100.5", false)).toBe("100.5");
    expect(clampAmount("100.5", "100.5", false)).toBe("100.5");
    expect(clampAmount("0.", "100.5", false)).toBe("0."); // half typed: kept
    expect(clampAmount("150", "100.5", true)).toBe("150");
    expect(amountProblem("abc", "1", false)).toBe("a positive amount such as 100 or 0.5");
    expect(amountProblem("0.123456789", "1", false)).toBe("at most 8 decimal places");
    expect(amountProblem("2", "1", false)).toBe("at most 1 is available");
    expect(amountProblem("2", "1", true)).toBeNull();
    expect(amountProblem("", "1", false)).toBeNull();
  });

  it("makes a row per funded pool entry and keeps what was typed", () => {
    const pool = [
      { venue: "synthetic", currency: "USD", amount: "1000" },
      { venue: "synthetic", currency: "BTC", amount: "0" },
      { venue: "binance", currency: "ETH", amount: "2" },
    ];
    const rows = rowsFromPool(pool, [{ venue: "synthetic", currency: "USD", available: "5", amount: "7" }]);
    expect(rows).toEqual([
      { venue: "binance", currency: "ETH", available: "2", amount: "" },
      { venue: "synthetic", currency: "USD", available: "1000", amount: "7" },
    ]);
    expect(addRow(rows, "synthetic", "btc").at(-1)).toEqual({ venue: "synthetic", currency: "BTC", available: "0", amount: "" });
    expect(addRow(rows, "synthetic", "USD")).toBe(rows);
  });
});

describe("the start request", () => {
  const form: StartForm = {
    strategy: "efficient_frontier", account: " acct ", params: { bases: " BTC,ETH ", quote: "", points: "20" },
    rows: [
      { venue: "synthetic", currency: "USD", available: "1000.10000001", amount: "1000.10000001" },
      { venue: "synthetic", currency: "BTC", available: "1", amount: "" },
    ],
    deposit: false, durationS: "", commandId: "run-abc",
  };

  it("sends the inputs' own text, leaves empty rows and parameters out, keeps the key", () => {
    const { body, problems } = buildRunBody(form);
    expect(problems).toEqual([]);
    expect(body).toEqual({
      strategy: "efficient_frontier", account: "acct", params: { bases: "BTC,ETH", points: "20" },
      balances: [{ venue: "synthetic", currency: "USD", amount: "1000.10000001" }],
      deposit: false, history: true, command_id: "run-abc",
    });
  });

  it("says what keeps it from being sent", () => {
    expect(buildRunBody({ ...form, rows: [{ ...form.rows[0]!, amount: "2000" }] }).problems)
      .toEqual(["USD on synthetic: at most 1000.10000001 is available."]);
    expect(buildRunBody({ ...form, rows: [{ ...form.rows[1]!, amount: "" }] }).problems)
      .toEqual(["Allocate an amount of at least one currency to the run."]);
    expect(buildRunBody({ ...form, strategy: "", durationS: "1.5" }).problems)
      .toEqual(["Choose a strategy.", "The duration is a whole number of seconds above 0."]);
  });

  it("deposits any positive amount first, and stops after a duration", () => {
    const { body, problems } = buildRunBody({ ...form, deposit: true, durationS: "600",
      rows: [{ ...form.rows[1]!, amount: "5" }] });
    expect(problems).toEqual([]);
    expect(body.balances).toEqual([{ venue: "synthetic", currency: "BTC", amount: "5" }]);
    expect(body.deposit).toBe(true);
    expect(body.duration_s).toBe(600);
  });
});
