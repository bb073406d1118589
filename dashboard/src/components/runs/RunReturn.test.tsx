// @vitest-environment jsdom
// A run's return on the runs list: signed, coloured by its sign, its figures told in words.
import { MantineProvider } from "@mantine/core";
import { cleanup, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import { RunReturn } from "./RunReturn";

afterEach(cleanup);

const show = (performance: Parameters<typeof RunReturn>[0]["performance"]) =>
  render(<MantineProvider><RunReturn performance={performance} /></MantineProvider>);

describe("a run's return", () => {
  it("shows a run that made money with a plus, and says what the figures are", () => {
    show({ equity_usd: "21333.33", start_usd: "20000", total_return: 0.0666665, max_drawdown: null, basis: "replica" });
    const shown = screen.getByTestId("run-return");
    expect(shown.textContent).toBe("+6.67 %");
    expect(shown.getAttribute("aria-label")).toBe("return +6.67 %; equity 21333.33 USD, started with 20000 USD: its wallet "
      + "set now against what it was given, both at the latest mids (trading only, not price moves)");
    expect(shown.tabIndex).toBe(0); // its tooltip opens from the keyboard too
  });

  it("shows a loss with its minus, and a backtest's drawdown from its report", () => {
    show({ equity_usd: "9500.00", start_usd: "10000.00", total_return: -0.05, max_drawdown: 0.12, basis: "report" });
    const shown = screen.getByTestId("run-return");
    expect(shown.textContent).toBe("-5.00 %");
    expect(shown.getAttribute("aria-label")).toContain("max drawdown -12.0 %: from its report, start to end");
  });

  it("shows a dash for a run it cannot value yet", () => {
    show(null);
    expect(screen.queryByTestId("run-return")).toBeNull();
    expect(screen.getByText("—").getAttribute("title")).toContain("not valued yet");
  });
});
