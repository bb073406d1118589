import { describe, expect, it } from "vitest";
import { addRow, amountProblem, buildRunBody, clampAmount, rowsFromPool, type StartForm } from "./money";

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
