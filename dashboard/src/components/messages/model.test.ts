import { describe, expect, it } from "vitest";
import type { RunMessage } from "../../api/messages";
import {
  compareMessages, emptyHeld, filterMessages, keyFields, mergeMessages, readableEvent, trimToWindow, typeOptions, visibleRange,
  withOlder, withPage,
} from "./model";

const BASE = Date.UTC(2026, 11, 7, 12, 0, 0);

/** Message n of a run: one a second, inbox for even n, outputs for odd n. */
function msg(n: number, type = n % 2 ? "StrategyLogged" : "BookDelta", topic?: string): RunMessage {
  const inbox = n % 2 === 0;
  const t = topic ?? (inbox ? "strategy.journal.v1" : "strategy.events.v1");
  return {
    direction: inbox ? "inbox" : "outputs", type, time: new Date(BASE + n * 1000).toISOString().replace("Z", "000Z"),
    topic: t, partition: 0, offset: n, event: { type, n },
  };
}
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => msg(from + i));
const offsets = (list: RunMessage[]) => list.map((m) => m.offset);

describe("mergeMessages", () => {
  it("appends a newer page", () => {
    expect(offsets(mergeMessages(range(0, 3), range(3, 6)))).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it("keeps each message once when pages overlap", () => {
    expect(offsets(mergeMessages(range(0, 5), range(3, 8)))).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it("puts an older page first and interleaves out-of-order arrivals", () => {
    expect(offsets(mergeMessages(range(5, 8), [msg(6), msg(1), msg(9), msg(1)]))).toEqual([1, 5, 6, 7, 9]);
  });

  it("orders messages of the same microsecond by topic, partition and offset", () => {
    const a = { ...msg(2), topic: "a", offset: 9 };
    const b = { ...msg(2), topic: "b", offset: 1 };
    const c = { ...msg(2), topic: "b", offset: 2 };
    expect(mergeMessages([c], [b, a]).map((m) => `${m.topic}${m.offset}`)).toEqual(["a9", "b1", "b2"]);
    expect(compareMessages(b, c)).toBeLessThan(0);
  });

  it("returns what it holds when nothing new comes", () => {
    const held = range(0, 4);
    expect(mergeMessages(held, [])).toBe(held);
    expect(mergeMessages(held, [msg(3), msg(1)])).toBe(held); // a poll that read known messages again
  });
});

describe("filterMessages", () => {
  const all = range(0, 6);
  it("keeps one direction", () => {
    expect(offsets(filterMessages(all, { direction: "outputs", types: [] }))).toEqual([1, 3, 5]);
  });
  it("keeps the chosen types", () => {
    const mixed = [...all, msg(6, "OrderFilled")];
    expect(offsets(filterMessages(mixed, { direction: "all", types: ["OrderFilled", "StrategyLogged"] })))
      .toEqual([1, 3, 5, 6]);
  });
  it("keeps everything with no type chosen", () => {
    expect(filterMessages(all, { direction: "all", types: [] })).toHaveLength(6);
  });
});

describe("the window held in memory", () => {
  it("drops whole pages from the front and reads them back in order", () => {
    let held = emptyHeld();
    held = withPage(held, null, range(0, 4), 4);
    held = withPage(held, "c4", range(4, 8), 4);
    held = withPage(held, "c8", range(8, 10), 4);
    held = trimToWindow(held, 5);
    expect(offsets(held.messages)).toEqual([4, 5, 6, 7, 8, 9]); // 6 kept: dropping one more page leaves 2
    expect(held.older.map((p) => [p.after, p.count])).toEqual([[null, 4]]);
    held = withOlder(held, range(0, 4));
    expect(offsets(held.messages)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(held.older).toEqual([]);
  });

  it("coalesces small pages of the tail so its marks stay few", () => {
    let held = withPage(emptyHeld(), null, range(0, 2), 10);
    held = withPage(held, "c1", range(1, 4), 10); // a poll reads the last known message again
    const before = held;
    held = withPage(held, "c3", range(3, 4), 10); // nothing new
    expect(held).toBe(before);
    expect(held.pages).toHaveLength(1);
    expect(held.pages[0]).toMatchObject({ after: null, count: 5 });
    expect(held.pages[0]!.last.offset).toBe(3);
    expect(offsets(held.messages)).toEqual([0, 1, 2, 3]);
  });

  it("never drops the newest page", () => {
    const held = trimToWindow(withPage(emptyHeld(), null, range(0, 100), 100), 1);
    expect(held.messages).toHaveLength(100);
  });
});

describe("keyFields", () => {
  it("shows the order's identity first and leaves out the type, time and nested objects", () => {
    const event = { type: "OrderFilled", ts: 1, run_id: "r", fee: "0.1", price: "100.5", client_order_id: "c-1",
      legs: [{}, {}], extra: { a: 1 }, size: "0.25" };
    expect(keyFields(event)).toEqual([["client_order_id", "c-1"], ["price", "100.5"], ["size", "0.25"],
      ["fee", "0.1"], ["legs", "[2]"]]);
  });
  it("shortens long text", () => {
    const [[, value]] = keyFields({ message: "x".repeat(200) }) as [[string, string]];
    expect(value).toHaveLength(80);
  });
});

describe("typeOptions", () => {
  const counts = { inbox: { BookDelta: 1200, StartRun: 1 }, outputs: { StrategyLogged: 7 } };
  it("offers the run's types with their counts in the chosen direction", () => {
    expect(typeOptions(counts, [], [], "outputs")).toEqual([{ value: "StrategyLogged", label: "StrategyLogged (7)" }]);
    expect(typeOptions(counts, ["OrderFilled"], [], "all").map((o) => o.label))
      .toEqual(["BookDelta (1,200)", "OrderFilled", "StartRun (1)", "StrategyLogged (7)"]);
  });
  it("keeps a chosen type and offers every event type when the run's counts are unknown", () => {
    const options = typeOptions(null, [], ["Custom"], "all").map((o) => o.value);
    expect(options).toContain("Custom");
    expect(options).toContain("OrderFilled");
  });
});

describe("visibleRange", () => {
  it("draws the rows in view and a few around them", () => {
    expect(visibleRange(0, 100, 10, 1000, 2)).toEqual({ start: 0, end: 12 });
    expect(visibleRange(500, 100, 10, 1000, 2)).toEqual({ start: 48, end: 62 });
  });
  it("stays within the list", () => {
    expect(visibleRange(9_990, 100, 10, 1000, 2)).toEqual({ start: 997, end: 1000 });
    expect(visibleRange(0, 100, 10, 0)).toEqual({ start: 0, end: 0 });
  });
  it("draws about the same few rows for ten thousand messages as for a hundred", () => {
    const { start, end } = visibleRange(250_000, 600, 32, 10_000);
    expect(end - start).toBeLessThan(40);
  });
});

describe("readableEvent", () => {
  it("shows JSON carried as text as the JSON it is, and other text as it is", () => {
    expect(readableEvent({ type: "UiComponentUpdated", data_json: '{"bid":"1.5","rows":[1]}', note_json: "not json", n: 1 }))
      .toEqual({ type: "UiComponentUpdated", data_json: { bid: "1.5", rows: [1] }, note_json: "not json", n: 1 });
  });
});
