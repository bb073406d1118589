import { describe, expect, it } from "vitest";
import type { AnyEvent } from "../../api/events.gen";
import {
  addToasts, addToPanel, countOf, MAX_PANEL, MAX_TOASTS, nextDue, notesBetween, offer, release, type Note, type Watched,
} from "./model";

const fill = (n: number, account = "a1"): AnyEvent => ({
  type: "OrderFilled", event_id: `o${n}:1`, order_id: `o${n}`, account, run_id: "r", wallet_set_id: "s",
  venue: "synthetic", pair: "BTC-USD", side: "buy", price: 5_000_050_000_000, size: 10_000_000, fee: 1_000_000, fee_currency: "USD",
  liquidity: "taker", level_price: 5_000_050_000_000, fill_seq: 1, ts: 1_700_000_000_000_000 + n,
});
const empty: Watched = { activity: [], marketNotes: {}, markets: {}, notices: [] };
const note = (id: string, kind: Note["kind"] = "fill"): Note => ({ id, kind, at: "", title: id, detail: "", tone: "good" });

describe("what is worth telling", () => {
  it("tells the new fills of the user's accounts, oldest first, and not the others' or the old ones", () => {
    const before = { ...empty, activity: [fill(1)] };
    const after = { ...empty, activity: [fill(4, "other"), fill(3), fill(2), ...before.activity] };
    const notes = notesBetween(before, after, ["a1"]);
    expect(notes.map((n) => n.id)).toEqual(["o2:1", "o3:1"]);
    expect(notes[0]!.title).toBe("Filled: buy 0.1 BTC-USD at 50000.5");
    expect(notesBetween(before, after, null)).toHaveLength(3); // '*': every account
  });

  it("tells a book turning stale or fresh, not one staying as it was", () => {
    const stale = { stale: true, reason: "no update for 30 s", at: "2026-01-01T00:00:00.000Z" };
    const s1 = { ...empty, marketNotes: { "v/BTC-USD": stale } };
    expect(notesBetween(empty, s1, null).map((n) => n.kind)).toEqual(["stale"]);
    const s2 = { ...s1, marketNotes: { "v/BTC-USD": { ...stale, at: "2026-01-01T00:00:01.000Z" } } };
    expect(notesBetween(s1, s2, null)).toEqual([]);
    const s3 = { ...s1, marketNotes: { "v/BTC-USD": { stale: false, reason: "", at: "2026-01-01T00:00:02.000Z" } } };
    expect(notesBetween(s2, s3, null).map((n) => n.title)).toEqual(["v/BTC-USD is fresh again"]);
  });

  it("tells service notices at warning or above, once", () => {
    const n = (time: string, level: string) => ({ time, service: "worker", process: "h:1", level, logger: "x", message: `m ${level}`, venue: "" });
    const before = { ...empty, notices: [n("2026-01-01T00:00:00Z", "ERROR")] };
    const after = { ...empty, notices: [...before.notices, n("2026-01-01T00:00:01Z", "INFO"), n("2026-01-01T00:00:02Z", "WARNING")] };
    expect(notesBetween(before, after, null).map((x) => x.title)).toEqual(["WARNING from worker"]);
  });
});

describe("the panel", () => {
  it("keeps the latest 50, newest first, each once", () => {
    let panel: Note[] = [];
    for (let i = 0; i < 60; i++) panel = addToPanel(panel, [note(`n${i}`)]);
    panel = addToPanel(panel, [note("n59")]);
    expect(panel).toHaveLength(MAX_PANEL);
    expect(panel[0]!.id).toBe("n59");
    expect(panel[MAX_PANEL - 1]!.id).toBe("n10");
  });
});

describe("toasts do not flood", () => {
  it("shows the first at once, then coalesces a kind's notes for 2 s into one", () => {
    let out = offer({}, [note("f1")], 1000);
    expect(out.toasts.map((t) => t.title)).toEqual(["f1"]);
    out = offer(out.gate, [note("f2"), note("f3")], 1500);
    expect(out.toasts).toEqual([]);
    out = offer(out.gate, [note("f4"), note("x", "stale")], 2500); // another kind is not held back
    expect(out.toasts.map((t) => t.kind)).toEqual(["stale"]);
    expect(nextDue(out.gate)).toBe(3000);
    expect(release(out.gate, 2999).toasts).toEqual([]);
    out = release(out.gate, 3000);
    expect(out.toasts).toHaveLength(1);
    expect(out.toasts[0]!.title).toBe("3 fills");
    expect(out.toasts[0]!.count).toBe(3);
    expect(nextDue(out.gate)).toBeNull();
  });

  it("at most one toast per kind every 2 s, however many notes come", () => {
    let gate = {};
    let shown = 0;
    for (let t = 0; t < 10_000; t += 50) {
      const out = offer(gate, [note(`f${t}`)], t);
      gate = out.gate;
      shown += out.toasts.length;
    }
    expect(shown).toBe(5); // at 0, 2000, 4000, 6000, 8000
  });

  it("keeps only the newest few on screen", () => {
    const many = Array.from({ length: 10 }, (_, i) => ({ id: `t${i}`, kind: "fill" as const, tone: "good" as const, title: "", detail: "", count: 1 }));
    expect(addToasts([], many).map((t) => t.id)).toEqual(many.slice(-MAX_TOASTS).map((t) => t.id));
    expect(countOf("done", 1)).toBe("1 order done");
  });
});
