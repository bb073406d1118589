import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
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
    const e = { data: JSON.stringify(data), lastEventId: id } as MessageEvent;
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
