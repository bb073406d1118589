// The Messages page's pure logic: the order of a run's messages, pages merged without duplicates, the
// filter, the window of messages held in memory, the key fields shown in a row and the rows a virtual
// list draws. No I/O, no React: tested in model.test.ts.
import type { Direction, RunMessage } from "../../api/messages";
import { EVENT_TYPES } from "../../api/events.gen";

export interface MessageFilter {
  direction: Direction;
  /** Event types; empty: every type. */
  types: readonly string[];
}

/** A message's identity: its place in the log (a copy delivered twice has the same one). */
export const messageKey = (m: RunMessage): string => `${m.topic}/${m.partition}/${m.offset}`;

/** The API's order: event time, then topic, partition, offset. `time` is ISO 8601 UTC with
 *  microseconds, always the same width, so comparing the strings compares the times. */
export function compareMessages(a: RunMessage, b: RunMessage): number {
  if (a.time !== b.time) return a.time < b.time ? -1 : 1;
  if (a.topic !== b.topic) return a.topic < b.topic ? -1 : 1;
  if (a.partition !== b.partition) return a.partition - b.partition;
  return a.offset - b.offset;
}

/** `held` (in order, no duplicates) with `incoming` (any order) merged in: in order, each message once. */
export function mergeMessages(held: readonly RunMessage[], incoming: readonly RunMessage[]): RunMessage[] {
  if (incoming.length === 0) return held as RunMessage[];
  const fresh = [...incoming].sort(compareMessages).filter((m, i, all) => i === 0 || compareMessages(all[i - 1]!, m) !== 0);
  if (held.length === 0) return fresh;
  const last = held[held.length - 1]!;
  if (compareMessages(last, fresh[0]!) < 0) return [...held, ...fresh]; // the usual case: newer messages
  const unseen = fresh.filter((m) => {
    const i = indexAfter(held, m);
    return i === 0 || compareMessages(held[i - 1]!, m) !== 0;
  });
  if (unseen.length === 0) return held as RunMessage[]; // a poll that read known messages again
  if (compareMessages(last, unseen[0]!) < 0) return [...held, ...unseen];
  const out: RunMessage[] = [];
  let i = 0;
  let j = 0;
  while (i < held.length || j < unseen.length) {
    if (j >= unseen.length) out.push(held[i++]!);
    else if (i >= held.length || compareMessages(held[i]!, unseen[j]!) > 0) out.push(unseen[j++]!);
    else out.push(held[i++]!);
  }
  return out;
}

export function matchesFilter(m: RunMessage, f: MessageFilter): boolean {
  return (f.direction === "all" || m.direction === f.direction) && (f.types.length === 0 || f.types.includes(m.type));
}

export function filterMessages(list: readonly RunMessage[], f: MessageFilter): RunMessage[] {
  return list.filter((m) => matchesFilter(m, f));
}

/** The index of the first message of `list` (in order) that comes after `m`. */
export function indexAfter(list: readonly RunMessage[], m: RunMessage): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (compareMessages(list[mid]!, m) <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

// --- the window held in memory ------------------------------------------------------------------
// The API pages forward only, from the run's first message. The page reads forward to the newest and
// keeps the newest `window` messages; each page it drops is remembered by the cursor it was read from,
// so "older" reads it again.

/** A page read: the cursor it was read from (null: the run's start), its last message, how many. */
export interface PageMark {
  after: string | null;
  last: RunMessage;
  count: number;
}

export interface Held {
  /** In order, oldest first, each once. */
  messages: RunMessage[];
  /** The pages the held messages came in, oldest first (adjacent small pages coalesced). */
  pages: PageMark[];
  /** The pages dropped from the front, oldest first: the last is just before `messages`. */
  older: PageMark[];
}

export const emptyHeld = (): Held => ({ messages: [], pages: [], older: [] });

/** `held` with a page read from `after` merged in and noted (a page of the tail coalesces with the
 *  previous mark while both fit in one read of `maxPage`). */
export function withPage(held: Held, after: string | null, page: readonly RunMessage[], maxPage: number): Held {
  if (page.length === 0) return held;
  const messages = mergeMessages(held.messages, page);
  const sorted = [...page].sort(compareMessages);
  const mark: PageMark = { after, last: sorted[sorted.length - 1]!, count: page.length };
  const pages = [...held.pages];
  const prev = pages[pages.length - 1];
  if (prev && compareMessages(mark.last, prev.last) <= 0) { // nothing newer
    return messages === held.messages ? held : { ...held, messages };
  }
  if (prev && prev.count + mark.count <= maxPage) pages[pages.length - 1] = { after: prev.after, last: mark.last, count: prev.count + mark.count };
  else pages.push(mark);
  return { ...held, messages, pages };
}

/** `held` with whole pages dropped from the front while at least `window` messages stay after them. */
export function trimToWindow(held: Held, window: number): Held {
  let { messages } = held;
  const pages = [...held.pages];
  const older = [...held.older];
  while (pages.length > 1) {
    const cut = indexAfter(messages, pages[0]!.last);
    if (messages.length - cut < window) break;
    messages = messages.slice(cut);
    older.push(pages.shift()!);
  }
  return pages.length === held.pages.length ? held : { messages, pages, older };
}

/** `held` with the page just before it read again (`page`, read from `older`'s last mark). */
export function withOlder(held: Held, page: readonly RunMessage[]): Held {
  const mark = held.older[held.older.length - 1];
  if (!mark) return held;
  return {
    messages: mergeMessages(held.messages, page),
    pages: [mark, ...held.pages],
    older: held.older.slice(0, -1),
  };
}

// --- what a row shows ----------------------------------------------------------------------------

/** Fields worth seeing first, in this order; then the event's other plain fields. */
const FIRST = ["client_order_id", "order_id", "component_id", "venue", "pair", "side", "order_type", "price",
  "size", "filled", "state", "reason", "level", "message", "detail", "strategy", "name"];
const SKIP = new Set(["type", "ts", "recv_ts", "run_id", "id", "event_id"]);

function shown(value: unknown): string | null {
  if (value === null || value === undefined || value === "") return null;
  if (typeof value === "string") return value.length > 80 ? `${value.slice(0, 79)}…` : value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (Array.isArray(value)) return `[${value.length}]`;
  return null; // an object: in the body
}

/** The event's key fields as [name, value] pairs, for a row; the whole event is in its body. */
export function keyFields(event: Record<string, unknown>, max = 5): [string, string][] {
  const out: [string, string][] = [];
  const names = [...FIRST.filter((n) => n in event), ...Object.keys(event).filter((n) => !FIRST.includes(n))];
  for (const name of names) {
    if (out.length >= max) break;
    if (SKIP.has(name)) continue;
    const value = shown(event[name]);
    if (value !== null) out.push([name, value]);
  }
  return out;
}

// --- the type filter's choices -------------------------------------------------------------------

export interface TypeCounts {
  inbox: Record<string, number>;
  outputs: Record<string, number>;
}

export interface TypeOption {
  value: string;
  label: string;
}

/** The types to filter by: the run's own (with how many it received or emitted in `direction`), the
 *  types seen in the page and the ones chosen; every event type when the run's counts are unknown. */
export function typeOptions(counts: TypeCounts | null, seen: Iterable<string>, chosen: readonly string[],
                            direction: Direction): TypeOption[] {
  const n = new Map<string, number>();
  if (counts) {
    for (const d of ["inbox", "outputs"] as const) {
      if (direction !== "all" && direction !== d) continue;
      for (const [t, c] of Object.entries(counts[d])) n.set(t, (n.get(t) ?? 0) + c);
    }
  }
  const names = new Set<string>([...n.keys(), ...seen, ...chosen]);
  if (!counts) for (const t of EVENT_TYPES) names.add(t);
  return [...names].sort().map((t) => ({ value: t, label: n.has(t) ? `${t} (${n.get(t)!.toLocaleString("en-US")})` : t }));
}

// --- the virtual list ----------------------------------------------------------------------------

/** The rows [start, end) a list of `count` rows of `rowHeight` px draws when scrolled to `scrollTop`
 *  in a viewport `height` px tall, with `overscan` rows either side. */
export function visibleRange(scrollTop: number, height: number, rowHeight: number, count: number,
                             overscan = 8): { start: number; end: number } {
  if (count === 0 || rowHeight <= 0) return { start: 0, end: 0 };
  const first = Math.floor(Math.max(0, scrollTop) / rowHeight);
  const start = Math.min(count, Math.max(0, first - overscan));
  const end = Math.min(count, first + Math.ceil(Math.max(0, height) / rowHeight) + overscan);
  return { start, end: Math.max(start, end) };
}

/** The event for reading: fields that carry JSON as text (`data_json`, `payload_json`) shown as the
 *  JSON they hold (text that is not JSON stays as it is). */
export function readableEvent(event: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(event)) {
    if (name.endsWith("_json") && typeof value === "string") {
      try {
        out[name] = JSON.parse(value);
        continue;
      } catch {
        // not JSON: shown as the text it is
      }
    }
    out[name] = value;
  }
  return out;
}
