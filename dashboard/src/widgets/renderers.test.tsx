// @vitest-environment jsdom
// The generic renderers as a person meets them: rendered in a DOM (jsdom) inside Mantine, driven by
// clicks and keys, checked by what they show and what they send. The charts (uPlot draws on a canvas,
// which jsdom has not) are covered by the browser tests in tests/integration/test_dashboard*.py.
import { MantineProvider } from "@mantine/core";
import { cleanup, fireEvent, render, screen, within } from "@testing-library/react";
import type { ReactElement } from "react";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { WidgetState } from "../store/components";
import { BarChartWidget } from "./BarChartWidget";
import { ButtonsWidget } from "./ButtonsWidget";
import { SliderWidget } from "./SliderWidget";
import { SlidersWidget } from "./SlidersWidget";
import { TableWidget } from "./TableWidget";
import { UnknownWidget } from "./UnknownWidget";

afterEach(cleanup);

function widget(kind: string, spec: Record<string, unknown>, data: unknown = null, history: unknown[] = []): WidgetState {
  return { componentId: "c1", kind, spec, data, history, updated: null, updates: data == null ? 0 : 1 };
}

function show(ui: ReactElement) {
  return render(<MantineProvider>{ui}</MantineProvider>);
}

describe("table", () => {
  it("shows rows under the declared columns, newest row first when rows come one by one", () => {
    show(<TableWidget widget={widget("table", { title: "Fills", columns: ["side", "price"] }, { side: "sell", price: 2 },
                                     [{ side: "sell", price: 2 }, { side: "buy", price: 1 }])} send={null} sending={false} />);
    const table = screen.getByRole("table", { name: "Fills" });
    const rows = within(table).getAllByRole("row");
    expect(rows.map((r) => r.textContent)).toEqual(["sideprice", "sell2", "buy1"]);
  });

  it("says so when there is nothing yet", () => {
    show(<TableWidget widget={widget("table", { columns: ["a"] })} send={null} sending={false} />);
    expect(screen.getByText("No rows yet.")).toBeTruthy();
  });
});

describe("bar chart", () => {
  it("shows weights as percentages per asset and series, with the data's flags beside", () => {
    show(<BarChartWidget widget={widget("bar_chart", { assets: ["BTC", "USD"], series: ["current", "target"] },
                                        { current: { BTC: 0.25, USD: 0.75 }, target: { BTC: 0.5, USD: 0.5 },
                                          awaiting_confirmation: true })} send={null} sending={false} />);
    expect(screen.getAllByText("25.0 %").length).toBeGreaterThan(0);
    expect(screen.getAllByText("50.0 %").length).toBe(2);
    expect(screen.getByText(/awaiting confirmation/)).toBeTruthy();
  });
});

describe("buttons", () => {
  it("sends {field: action} for a plain action, and asks first for one the spec says to confirm", async () => {
    const send = vi.fn();
    show(<ButtonsWidget widget={widget("buttons", { field: "action", actions: ["pause", "flatten"], confirm: ["flatten"] })}
                        send={send} sending={false} />);
    fireEvent.click(screen.getByRole("button", { name: "Pause" }));
    expect(send).toHaveBeenLastCalledWith({ action: "pause" });
    fireEvent.click(screen.getByRole("button", { name: "Flatten" }));
    expect(send).toHaveBeenCalledTimes(1); // not yet: a dialog asks
    const dialog = await screen.findByRole("dialog");
    fireEvent.click(within(dialog).getByRole("button", { name: "Flatten" }));
    expect(send).toHaveBeenLastCalledWith({ action: "flatten" });
  });

  it("is read only without a way to send", () => {
    show(<ButtonsWidget widget={widget("buttons", { actions: ["resume"] })} send={null} sending={false} />);
    expect((screen.getByRole("button", { name: "Resume" }) as HTMLButtonElement).disabled).toBe(true);
  });
});

describe("sliders that sum to 100 %", () => {
  it("keeps the total at exactly 100 % as one moves, and applies the weights", () => {
    const send = vi.fn();
    show(<SlidersWidget widget={widget("sliders", { title: "Custom weights", field: "weights", assets: ["BTC", "ETH", "LTC"],
                                                    min: 0, max: 1, step: 0.01, sum: 1 })} send={send} sending={false} />);
    expect(screen.getByTestId("sliders-total").textContent).toBe("Total 100.0 % of 100.0 %");
    const btc = screen.getAllByRole("slider")[0]!;
    btc.focus();
    for (let i = 0; i < 10; i++) fireEvent.keyDown(btc, { key: "ArrowRight" });
    expect(screen.getByTestId("weight-BTC").textContent).toBe("44.0 %");
    expect(screen.getByTestId("sliders-total").textContent).toBe("Total 100.0 % of 100.0 %");
    fireEvent.click(screen.getByRole("button", { name: /Apply/ }));
    const sent = send.mock.calls[0]![0] as { weights: Record<string, number> };
    expect(Object.keys(sent.weights)).toEqual(["BTC", "ETH", "LTC"]);
    expect(Math.round(Object.values(sent.weights).reduce((a, b) => a + b, 0) * 100)).toBe(100);
    expect(sent.weights.BTC).toBeCloseTo(0.44, 10);
  });
});

describe("slider", () => {
  it("sends its field's value when applied, within the range the run last sent", () => {
    const send = vi.fn();
    show(<SliderWidget widget={widget("slider", { title: "Risk", field: "volatility", min: 0, max: 2, step: 0.01 },
                                      { min: 0.5, max: 1.5 })} send={send} sending={false} />);
    const slider = screen.getByRole("slider");
    slider.focus();
    fireEvent.keyDown(slider, { key: "ArrowRight" });
    fireEvent.click(screen.getByRole("button", { name: /Apply/ }));
    const sent = send.mock.calls[0]![0] as { volatility: number };
    expect(sent.volatility).toBeGreaterThanOrEqual(0.5);
    expect(sent.volatility).toBeLessThanOrEqual(1.5);
  });
});

describe("risk level slider", () => {
  it("starts at the level the run is at, not at its lowest, and applies only a change", () => {
    const send = vi.fn();
    show(<SliderWidget widget={widget("slider", { title: "Risk level", field: "volatility", min: 0, max: 2, step: 0.01 },
                                      { min: 0.5, max: 1.5, volatility: 0.83 })} send={send} sending={false} />);
    const slider = screen.getByRole("slider");
    expect(slider.getAttribute("aria-valuenow")).toBe("0.83");
    expect(screen.getByTestId("slider-value").textContent).toBe("0.83");
    const apply = screen.getByRole("button", { name: /Apply/ }) as HTMLButtonElement;
    expect(apply.disabled).toBe(true); // nothing to send before it moves
    slider.focus();
    fireEvent.keyDown(slider, { key: "ArrowRight" });
    fireEvent.click(apply);
    expect(send).toHaveBeenLastCalledWith({ volatility: 0.84 });
  });
});

describe("a kind no renderer knows", () => {
  it("shows its data as JSON", () => {
    show(<UnknownWidget widget={widget("heatmap", {}, { cells: [1, 2] })} send={null} sending={false} />);
    expect(document.body.textContent).toContain('"cells"');
  });
});
