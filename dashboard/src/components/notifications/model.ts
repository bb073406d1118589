// The notification centre's pure rules: which store changes are worth telling (an order of the user's
// accounts filled, done or rejected; a book turning stale or fresh; a service notice at warning or
// above), the panel's list (latest 50), and the toast gate: at most one toast per kind every 2 s, what
// comes in between coalesced into one ("3 fills").
import type { AnyEvent } from "../../api/events.gen";
import type { Market, Notice } from "../../api/types";
import type { MarketNote } from "../../store/apply";
import { isoFromMicros } from "../../lib/format";
import { unitsText } from "../../lib/decimal";

export type Kind = "fill" | "done" | "rejected" | "stale" | "fresh" | "notice";
export type Tone = "good" | "info" | "warn" | "bad";

export interface Note {
  id: string;
  kind: Kind;
  at: string;
  title: string;
  detail: string;
  tone: Tone;
}

export const MAX_PANEL = 50;
export const TOAST_GAP_MS = 2000;
export const TOAST_LIFE_MS = 6000;
export const MAX_TOASTS = 4;

/** What the centre reads of the store. */
export interface Watched {
  activity: AnyEvent[];
  marketNotes: Record<string, MarketNote>;
  markets: Record<string, Market>;
  notices: Notice[];
}

const PLURAL: Record<Kind, [string, string]> = {
  fill: ["fill", "fills"],
  done: ["order done", "orders done"],
  rejected: ["order rejected", "orders rejected"],
  stale: ["book stale", "books stale"],
  fresh: ["book fresh again", "books fresh again"],
  notice: ["service notice", "service notices"],
};

export function countOf(kind: Kind, n: number): string {
  return `${n} ${PLURAL[kind][n === 1 ? 0 : 1]}`;
}

const WARNING_UP = new Set(["WARNING", "WARN", "ERROR", "CRITICAL", "FATAL"]);

/** An event's amount or price: integer units of 1e-8 (the ledger's scale), as a plain decimal. */
const num = unitsText;

/** The note an activity event stands for, or null when it is not one to tell. */
export function noteOfEvent(e: AnyEvent, accounts: string[] | null): Note | null {
  if (e.type !== "OrderFilled" && e.type !== "OrderDone" && e.type !== "OrderRejected") return null;
  if (accounts !== null && !accounts.includes(e.account)) return null;
  const at = isoFromMicros(e.ts);
  switch (e.type) {
    case "OrderFilled":
      return { id: e.event_id, kind: "fill", at, tone: "good",
               title: `Filled: ${e.side} ${num(e.size)} ${e.pair} at ${num(e.price)}`,
               detail: `${e.venue} · order ${e.order_id} · ${e.account}` };
    case "OrderDone":
      return { id: e.event_id, kind: "done", at, tone: "info",
               title: `Order done (${e.reason.replaceAll("_", " ")}): ${e.side} ${e.pair}`,
               detail: `filled ${num(e.filled_size)}${e.avg_price != null ? ` at ${num(e.avg_price)}` : ""} · ${e.venue} · order ${e.order_id}` };
    case "OrderRejected":
      return { id: e.event_id, kind: "rejected", at, tone: "bad",
               title: `Order rejected (${e.reason.replaceAll("_", " ")}): ${e.pair}`,
               detail: `${e.detail || e.reason} · ${e.venue} · order ${e.order_id}` };
  }
}

/** The events new in `next` (newest first), given the list before; all of it when the old head is gone. */
export function newActivity(prev: AnyEvent[], next: AnyEvent[]): AnyEvent[] {
  if (prev === next || !next.length) return [];
  const head = prev[0];
  if (head === undefined) return next.slice(0, MAX_PANEL);
  const at = next.indexOf(head);
  return at < 0 ? next.slice(0, MAX_PANEL) : next.slice(0, at);
}

/** What changed between two states of the store worth telling, oldest first. */
export function notesBetween(prev: Watched, next: Watched, accounts: string[] | null): Note[] {
  const notes: Note[] = [];
  for (const e of newActivity(prev.activity, next.activity).reverse()) {
    const note = noteOfEvent(e, accounts);
    if (note) notes.push(note);
  }
  if (prev.marketNotes !== next.marketNotes) {
    for (const [key, note] of Object.entries(next.marketNotes)) {
      const before = prev.marketNotes[key];
      if (before === note) continue;
      const wasStale = before ? before.stale : (prev.markets[key]?.book?.stale ?? false);
      if (wasStale === note.stale) continue;
      notes.push({ id: `book:${key}:${note.at}`, kind: note.stale ? "stale" : "fresh", at: note.at,
                   tone: note.stale ? "warn" : "good",
                   title: `${key} is ${note.stale ? "stale" : "fresh again"}`, detail: note.reason || "" });
    }
  }
  if (prev.notices !== next.notices) {
    // Notices only grow at the end (GET /logs replaces them: those are not new, so only later times count).
    const last = prev.notices.length ? prev.notices[prev.notices.length - 1]!.time : "";
    for (const n of next.notices) {
      if (n.time <= last || prev.notices.includes(n)) continue;
      if (!WARNING_UP.has(n.level.toUpperCase())) continue;
      notes.push({ id: `notice:${n.time}:${n.process}:${n.message.slice(0, 40)}`, kind: "notice", at: n.time,
                   tone: n.level.toUpperCase() === "WARNING" || n.level.toUpperCase() === "WARN" ? "warn" : "bad",
                   title: `${n.level.toUpperCase()} from ${n.service}${n.venue ? ` (${n.venue})` : ""}`,
                   detail: n.message });
    }
  }
  return notes;
}

/** The panel's list after new notes: newest first, the latest MAX_PANEL, no id twice. */
export function addToPanel(panel: Note[], notes: Note[]): Note[] {
  if (!notes.length) return panel;
  const seen = new Set<string>();
  const out: Note[] = [];
  for (const n of [...[...notes].reverse(), ...panel]) {
    if (seen.has(n.id)) continue;
    seen.add(n.id);
    out.push(n);
    if (out.length === MAX_PANEL) break;
  }
  return out;
}

export interface Toast {
  id: string;
  kind: Kind;
  tone: Tone;
  title: string;
  detail: string;
  /** How many notes it stands for. */
  count: number;
}

interface Lane {
  lastShown: number;
  pending: Note[];
}

/** Per kind: when its last toast showed, and what waits for the next. */
export type Gate = Partial<Record<Kind, Lane>>;

function toastOf(kind: Kind, notes: Note[], now: number): Toast {
  const last = notes[notes.length - 1]!;
  if (notes.length === 1) return { id: `${kind}:${now}:${last.id}`, kind, tone: last.tone, title: last.title, detail: last.detail, count: 1 };
  return { id: `${kind}:${now}:${last.id}`, kind, tone: last.tone, title: countOf(kind, notes.length),
           detail: `latest: ${last.title}`, count: notes.length };
}

/** Offer new notes at `now` (ms): a kind whose last toast is 2 s old shows now (coalesced), else waits. */
export function offer(gate: Gate, notes: Note[], now: number): { gate: Gate; toasts: Toast[] } {
  const next: Gate = { ...gate };
  for (const n of notes) {
    const lane = next[n.kind] ?? { lastShown: -Infinity, pending: [] };
    next[n.kind] = { ...lane, pending: [...lane.pending, n] };
  }
  return release(next, now);
}

/** The toasts due at `now`: every kind with notes waiting whose last toast is at least 2 s old. */
export function release(gate: Gate, now: number): { gate: Gate; toasts: Toast[] } {
  const next: Gate = { ...gate };
  const toasts: Toast[] = [];
  for (const kind of Object.keys(next) as Kind[]) {
    const lane = next[kind]!;
    if (!lane.pending.length || now - lane.lastShown < TOAST_GAP_MS) continue;
    toasts.push(toastOf(kind, lane.pending, now));
    next[kind] = { lastShown: now, pending: [] };
  }
  return { gate: next, toasts };
}

/** When the next waiting toast is due (ms), or null when nothing waits. */
export function nextDue(gate: Gate): number | null {
  let due: number | null = null;
  for (const lane of Object.values(gate)) {
    if (!lane?.pending.length) continue;
    const at = lane.lastShown + TOAST_GAP_MS;
    due = due === null ? at : Math.min(due, at);
  }
  return due;
}

/** The toasts on screen after new ones: the newest MAX_TOASTS. */
export function addToasts(shown: Toast[], toasts: Toast[]): Toast[] {
  return toasts.length ? [...shown, ...toasts].slice(-MAX_TOASTS) : shown;
}
