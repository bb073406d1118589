import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { exactInteger, unitsText } from "../lib/decimal";
import type { AnyEvent } from "./events.gen";
import { EventStream, type StreamState } from "./stream";

/** A stand-in for the browser's EventSource: the test plays the server. */
class FakeSource {
  static CONNECTING = 0;
  static OPEN = 1;
  static CLOSED = 2;
  static made: FakeSource[] = [];
  readyState = FakeSource.CONNECTING;
  onopen: (() => void) | null = null;
  onerror: (() => void) | null = null;
  private listeners = new Map<string, ((e: MessageEvent) => void)[]>();
  constructor(readonly url: string) {
    FakeSource.made.push(this);
  }
  addEventListener(type: string, fn: (e: MessageEvent) => void) {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), fn]);
  }
  close() {
    this.readyState = FakeSource.CLOSED;
  }
  open() {
    this.readyState = FakeSource.OPEN;
    this.onopen?.();
  }
  emit(type: string, data: unknown, id = "") {
    this.emitText(type, JSON.stringify(data), id);
  }
  /** A frame's `data` exactly as the server wrote it. */
  emitText(type: string, data: string, id = "") {
    const e = { data, lastEventId: id } as MessageEvent;
    for (const fn of this.listeners.get(type) ?? []) fn(e);
  }
  fail(closed: boolean) {
    this.readyState = closed ? FakeSource.CLOSED : FakeSource.CONNECTING;
    this.onerror?.();
  }
}

const logged = (message: string): AnyEvent => ({ type: "StrategyLogged", event_id: message, run_id: "r1", level: "info", message, ts: 1 });

describe("the event stream", () => {
  let frames: (() => void)[];
  let batches: AnyEvent[][];
  let states: StreamState[];
  let resets: string[];
  let refused: number;
  let stream: EventStream;

  beforeEach(() => {
    vi.useFakeTimers();
    FakeSource.made = [];
    frames = [];
    vi.stubGlobal("EventSource", FakeSource);
    vi.stubGlobal("requestAnimationFrame", (fn: () => void) => frames.push(fn));
    batches = [];
    states = [];
    resets = [];
    refused = 0;
    stream = new EventStream(["runs", "notices"], {
      onEvents: (events) => batches.push(events),
      onState: (s) => states.push(s),
      onReset: (reason) => resets.push(reason),
      onRefused: () => { refused += 1; },
    });
    stream.start();
  });

  afterEach(() => {
    stream.stop();
    vi.unstubAllGlobals();
    vi.useRealTimers();
  });

  const source = () => FakeSource.made.at(-1)!;
  const status = () => states.at(-1)!.status;

  it("asks for its kinds and is live once the server says ready", () => {
    expect(source().url).toBe("/streams/events?kinds=runs%2Cnotices");
    expect(status()).toBe("connecting");
    source().open();
    source().emit("ready", { kinds: [], resumed: 0, account: null, run: null }, "p1.0");
    expect(status()).toBe("live");
  });

  it("hands events on in one batch per animation frame, in order", () => {
    source().open();
    source().emit("StrategyLogged", logged("a"), "p1.1");
    source().emit("StrategyLogged", logged("b"), "p1.2");
    expect(batches).toEqual([]);
    expect(frames).toHaveLength(1); // one frame asked for, however many events
    frames[0]!();
    expect(batches).toHaveLength(1);
    expect(batches[0]!.map((e) => e.event_id)).toEqual(["a", "b"]);
    expect(states.at(-1)!.lastEventId).toBe("p1.2");
    expect(states.at(-1)!.received).toBe(2);
  });

  it("keeps an amount beyond 2^53 exact: the server sends its digits, not a number a float would round", () => {
    // what api/services/event_stream.py writes for a fill of 2^53 + 1 units (90071992.54740993 BTC)
    const frame = '{"type":"OrderFilled","event_id":"f1","order_id":"o1","account":"a","run_id":"r1",' +
      '"wallet_set_id":"w1","venue":"synthetic","pair":"BTC-USD","side":"buy","price":2000000000000,' +
      '"size":"9007199254740993","fee":0,"fee_currency":"USD","liquidity":"taker","notional":1,"fill_no":1,"ts":1}';
    expect(JSON.parse('{"size":9007199254740993}').size).toBe(9007199254740992); // why: a number would lose it
    source().open();
    source().emitText("OrderFilled", frame, "p1.1");
    frames[0]!();
    const fill = batches[0]![0]!;
    expect(fill.type).toBe("OrderFilled");
    if (fill.type !== "OrderFilled") return;
    expect(exactInteger(fill.size)).toBe(9_007_199_254_740_993n);
    expect(unitsText(fill.size)).toBe("90071992.54740993");
    expect(unitsText(fill.price)).toBe("20000");
  });

  it("is behind while the browser resumes after a lost connection, live again at ready", () => {
    source().open();
    source().emit("ready", { kinds: [], resumed: 0, account: null, run: null }, "p1.0");
    source().fail(false);
    expect(status()).toBe("reconnecting");
    source().open();
    expect(status()).toBe("catching_up");
    source().emit("ready", { kinds: [], resumed: 3, account: null, run: null }, "p1.3");
    expect(status()).toBe("live");
    expect(states.at(-1)!.detail).toBe("resumed 3 events");
  });

  it("after a refused stream, checks the session and opens a new one from the last id", () => {
    source().open();
    source().emit("StrategyLogged", logged("a"), "p1.7");
    frames.shift()!();
    source().fail(true);
    expect(refused).toBe(1);
    expect(status()).toBe("reconnecting");
    vi.advanceTimersByTime(1000);
    expect(FakeSource.made).toHaveLength(2);
    expect(source().url).toContain("since=p1.7");
  });

  it("passes a reset on, dropping what was queued", () => {
    source().open();
    source().emit("StrategyLogged", logged("old"), "p1.1");
    source().emit("reset", { reason: "200,001 events behind" });
    expect(resets).toEqual(["200,001 events behind"]);
    frames.shift()!();
    expect(batches).toEqual([]);
  });

  it("shows a drop as behind: the browser resumes by itself", () => {
    source().open();
    source().emit("dropped", { reason: "too slow", limit: 10000 });
    expect(status()).toBe("catching_up");
    expect(states.at(-1)!.detail).toBe("too slow");
  });
});
