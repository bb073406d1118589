import { describe, expect, it } from "vitest";
import type { AnyEvent } from "../api/events.gen";
import { applyEvents, emptyData } from "./apply";
import { fromRead } from "./components";

const T = 1_700_000_000_000_000; // event time, microseconds

function declared(component_id: string, kind: string, spec: unknown): AnyEvent {
  return { type: "UiComponentDeclared", event_id: `d-${component_id}`, run_id: "r1", component_id, kind,
           spec_json: JSON.stringify(spec), ts: T };
}
function updated(component_id: string, data: unknown, ts = T + 1): AnyEvent {
  return { type: "UiComponentUpdated", event_id: `u-${component_id}-${ts}`, run_id: "r1", component_id,
           data_json: JSON.stringify(data), ts };
}

describe("a batch of run events", () => {
  it("declares components in order and keeps their latest data", () => {
    const s = applyEvents(emptyData(), [
      declared("weights", "bar_chart", { series: ["current"] }),
      declared("risk", "slider", { field: "volatility" }),
      updated("risk", { min: 0.1, max: 0.9 }),
    ]);
    expect(s.widgetOrder.r1).toEqual(["weights", "risk"]);
    expect(s.widgets.r1!.risk!.data).toEqual({ min: 0.1, max: 0.9 });
    expect(s.widgets.r1!.risk!.updates).toBe(1);
    expect(s.widgets.r1!.risk!.updated).toBe(new Date((T + 1) / 1000).toISOString());
  });

  it("appends points of an appending line chart and rows of a one-row table", () => {
    let s = applyEvents(emptyData(), [
      declared("path", "line_chart", { x: "ts", append: true }),
      declared("quotes", "table", { columns: ["round"] }),
    ]);
    s = applyEvents(s, [updated("path", { ts: 1 }), updated("quotes", { round: 1 })]);
    s = applyEvents(s, [updated("path", { ts: 2 }), updated("quotes", { round: 2 })]);
    expect(s.widgets.r1!.path!.history).toEqual([{ ts: 1 }, { ts: 2 }]);
    expect(s.widgets.r1!.quotes!.history).toEqual([{ round: 2 }, { round: 1 }]);
  });

  it("changes a run's state and leaves untouched slices as they were", () => {
    const before = emptyData();
    const s = applyEvents(before, [{ type: "RunStateChanged", event_id: "s1", run_id: "r1", strategy: "hodl",
                                     state: "running", detail: "funded", ts: T }]);
    expect(s.runs.r1).toMatchObject({ state: "running", detail: "funded", strategy: "hodl" });
    expect(s.markets).toBe(before.markets);
    expect(s.widgets).toBe(before.widgets);
  });

  it("keeps the notices and run logs bounded, newest last", () => {
    const notices: AnyEvent[] = Array.from({ length: 1005 }, (_, i) => ({
      type: "ServiceNotice", event_id: `n${i}`, service: "feed", process: "p", level: "info", logger: "l",
      message: `m${i}`, venue: "", ts: T + i,
    }));
    const s = applyEvents(emptyData(), notices);
    expect(s.notices).toHaveLength(1000);
    expect(s.notices.at(-1)!.message).toBe("m1004");
  });

  it("counts wallet events so pages read the wallets again", () => {
    const s = applyEvents(emptyData(), [{ type: "HoldReleased", event_id: "h", account: "main", order_id: "o1",
                                          wallet_set_id: "w", venue: "synthetic", currency: "USD", amount: 1,
                                          reason: "filled", ts: T, run_id: "" }]);
    expect(s.walletsVersion).toBe(1);
    expect(s.activity).toHaveLength(1);
  });
});

describe("a component read back after stream updates", () => {
  it("keeps the history the stream gathered and adds the read's point once", () => {
    let s = applyEvents(emptyData(), [declared("path", "line_chart", { x: "ts", append: true }), updated("path", { ts: 1 })]);
    const w = fromRead({ component_id: "path", kind: "line_chart", spec: { x: "ts", append: true }, data: { ts: 1 },
                         declared: "", updated: null, updates: 1, history: [] }, s.widgets.r1!.path);
    expect(w.history).toEqual([{ ts: 1 }]);
    s = applyEvents(s, [updated("path", { ts: 2 })]);
    expect(s.widgets.r1!.path!.history).toEqual([{ ts: 1 }, { ts: 2 }]);
  });

  it("starts from the read's history and keeps what the stream delivered after it", () => {
    const spec = { x: "ts", append: true };
    const s = applyEvents(emptyData(), [declared("path", "line_chart", spec), updated("path", { ts: 3 }),
                                        updated("path", { ts: 4 })]);
    const w = fromRead({ component_id: "path", kind: "line_chart", spec, data: { ts: 3 }, declared: "",
                         updated: null, updates: 3, history: [{ ts: 1 }, { ts: 2 }, { ts: 3 }] },
                       s.widgets.r1!.path);
    expect(w.history).toEqual([{ ts: 1 }, { ts: 2 }, { ts: 3 }, { ts: 4 }]);
  });

  it("keeps a table's rows newest first from the read's oldest-first history", () => {
    const w = fromRead({ component_id: "fills", kind: "table", spec: {}, data: { p: 2 }, declared: "", updated: null,
                         updates: 2, history: [{ p: 1 }, { p: 2 }] });
    expect(w.history).toEqual([{ p: 2 }, { p: 1 }]);
  });

  it("appends a batch's points once, leaving the state before it untouched", () => {
    const spec = { x: "ts", append: true };
    const before = applyEvents(emptyData(), [declared("path", "line_chart", spec), updated("path", { ts: 1 })]);
    const kept = before.widgets.r1!.path!.history;
    const after = applyEvents(before, [updated("path", { ts: 2 }), updated("path", { ts: 3 }), updated("path", { ts: 4 })]);
    expect(after.widgets.r1!.path!.history).toEqual([{ ts: 1 }, { ts: 2 }, { ts: 3 }, { ts: 4 }]);
    expect(kept).toEqual([{ ts: 1 }]);
    expect(before.widgets.r1!.path!.history).toBe(kept);
    const rows = applyEvents(emptyData(), [declared("fills", "table", {}), updated("fills", { p: 1 }),
                                           updated("fills", { p: 2 })]);
    expect(rows.widgets.r1!.fills!.history).toEqual([{ p: 2 }, { p: 1 }]);
  });
});
