// The dashboard's one SSE connection (GET /streams/events): events are queued as they come and handed
// on in batches, once per animation frame, so a burst of a thousand events costs one render.
//
// Resuming: the browser's EventSource reconnects by itself with Last-Event-ID after a network error
// or after the server ended the stream (`dropped`); the server sends what was missed, then `ready`.
// When the EventSource gives up (the answer was not a stream: 401, 503), we open a new one with
// `?since=<last id>` after a back-off, so nothing is missed either. `reset` means the server could not
// resume: the state is reloaded from the read routes.
import { EVENT_TYPES, type AnyEvent } from "./events.gen";

/** The stream's control messages (api/routes/streams.py): not events of the log, so not in schemas/avsc. */
export interface ReadyMessage {
  kinds: string[];
  resumed: number;
  account: string | null;
  run: string | null;
}
export interface ResetMessage {
  reason: string;
}
export interface DroppedMessage {
  reason: string;
  limit: number;
}

/**
 * connecting: the first connection, not yet positioned;
 * catching_up: resumed, receiving what was missed (behind the present);
 * live: positioned at the present, events as they happen;
 * reconnecting: the connection was lost, the browser or we try again;
 * stopped: closed by the app (signed out).
 */
export type StreamStatus = "connecting" | "catching_up" | "live" | "reconnecting" | "stopped";

export interface StreamState {
  status: StreamStatus;
  /** Why: the last reset, drop or error, in words. */
  detail: string;
  /** Events received since the page opened. */
  received: number;
  /** The id of the last event applied: the stream resumes after it. */
  lastEventId: string | null;
}

export interface StreamHandlers {
  /** A batch of events in stream order (at most once per animation frame). */
  onEvents(events: AnyEvent[]): void;
  onState(state: StreamState): void;
  /** The server could not resume the stream: reload what is shown from the read routes. */
  onReset(reason: string): void;
  /** The stream was refused (not a stream answer): check the session (a 401 signs the user out). */
  onRefused?(): void;
}

/** The stream kinds the dashboard follows (README "Event streams (SSE)"). */
export const DASHBOARD_KINDS = ["runs", "notices", "markets", "orders", "fills", "wallets"] as const;

const MAX_BACKOFF_MS = 30_000;
const HIDDEN_FLUSH_MS = 250; // requestAnimationFrame does not run in a hidden tab

export class EventStream {
  private source: EventSource | null = null;
  private queue: string[] = [];
  private flushScheduled = false;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private failures = 0;
  private state: StreamState = { status: "connecting", detail: "", received: 0, lastEventId: null };

  constructor(private readonly kinds: readonly string[], private readonly handlers: StreamHandlers,
              private readonly baseUrl = "/streams/events") {}

  start(): void {
    this.open(null);
  }

  stop(): void {
    this.source?.close();
    this.source = null;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.queue = [];
    this.setState({ status: "stopped", detail: "" });
  }

  /** Reconnect now (after a sign-in, or when the user asks). */
  restart(): void {
    const since = this.state.lastEventId;
    this.source?.close();
    this.source = null;
    this.open(since);
  }

  private url(since: string | null): string {
    const params = new URLSearchParams({ kinds: this.kinds.join(",") });
    if (since) params.set("since", since);
    return `${this.baseUrl}?${params.toString()}`;
  }

  private open(since: string | null): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    const source = new EventSource(this.url(since));
    this.source = source;
    this.setState({ status: since ? "catching_up" : this.state.received ? "reconnecting" : "connecting" });
    source.onopen = () => {
      this.failures = 0;
      // An open after an error is the browser's own resume with Last-Event-ID: behind until `ready`.
      if (this.state.status === "reconnecting") this.setState({ status: "catching_up", detail: "" });
    };
    source.onerror = () => {
      if (source !== this.source) return;
      if (source.readyState === EventSource.CLOSED) {
        // The browser gave up: the answer was an error (401, 403, 503). Ask again later, resuming.
        this.failures += 1;
        this.setState({ status: "reconnecting", detail: "the event stream was refused; trying again" });
        this.handlers.onRefused?.();
        const delay = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** Math.min(this.failures - 1, 5));
        this.retryTimer = setTimeout(() => this.open(this.state.lastEventId), delay);
      } else {
        this.setState({ status: "reconnecting", detail: "connection lost; reconnecting" });
      }
    };
    source.addEventListener("ready", (e) => {
      const ready = parse<ReadyMessage>((e as MessageEvent).data);
      this.remember(e as MessageEvent);
      this.setState({ status: "live", detail: ready && ready.resumed ? `resumed ${ready.resumed} events` : "" });
    });
    source.addEventListener("reset", (e) => {
      const reset = parse<ResetMessage>((e as MessageEvent).data);
      const reason = reset?.reason ?? "the stream could not resume";
      this.queue = []; // what was queued is superseded by the reload
      this.setState({ detail: reason });
      this.handlers.onReset(reason);
    });
    source.addEventListener("dropped", (e) => {
      const dropped = parse<DroppedMessage>((e as MessageEvent).data);
      // The server ends the stream; the browser reconnects with the last id and catches up.
      this.setState({ status: "catching_up", detail: dropped?.reason ?? "the server dropped the stream; resuming" });
    });
    const onEvent = (e: Event) => this.enqueue(e as MessageEvent);
    for (const type of EVENT_TYPES) source.addEventListener(type, onEvent);
  }

  private remember(e: MessageEvent): void {
    if (e.lastEventId) this.state.lastEventId = e.lastEventId;
  }

  private enqueue(e: MessageEvent): void {
    this.queue.push(e.data as string);
    this.remember(e);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      if (typeof document !== "undefined" && document.hidden) setTimeout(() => this.flush(), HIDDEN_FLUSH_MS);
      else requestAnimationFrame(() => this.flush());
    }
  }

  private flush(): void {
    this.flushScheduled = false;
    const raw = this.queue;
    if (!raw.length) return;
    this.queue = [];
    const events: AnyEvent[] = [];
    for (const text of raw) {
      const event = parse<AnyEvent>(text);
      if (event && typeof event.type === "string") events.push(event);
    }
    this.state.received += raw.length;
    this.handlers.onEvents(events);
    this.handlers.onState({ ...this.state });
  }

  private setState(change: Partial<StreamState>): void {
    this.state = { ...this.state, ...change };
    this.handlers.onState({ ...this.state });
  }
}

function parse<T>(text: unknown): T | null {
  if (typeof text !== "string") return null;
  try {
    return JSON.parse(text) as T;
  } catch {
    return null;
  }
}
