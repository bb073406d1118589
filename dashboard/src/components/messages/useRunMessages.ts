// A run's messages as the Messages page holds them: read forward from the archive to the newest, then
// polled for newer ones (unless paused); the newest `window` kept, older pages read again on demand.
import { useCallback, useEffect, useRef, useState } from "react";
import { ApiError } from "../../api/errors";
import { MAX_PAGE, messages as api } from "../../api/messages";
import { emptyHeld, filterMessages, trimToWindow, withOlder, withPage, type Held, type MessageFilter } from "./model";

export const POLL_MS = 2000;
export const WINDOW = 20_000; // messages held; the list draws only the rows in view
const MAX_BACKOFF_MS = 30_000;

export interface RunMessages {
  held: Held;
  /** Reading forward to the newest (the first read, or after a filter change). */
  scanning: boolean;
  /** Messages read since the filter was set (the scan's progress). */
  read: number;
  /** The read failed before anything could be shown. */
  error: unknown;
  /** A later read failed: what is shown stays, the page tries again. */
  liveError: unknown;
  /** The read gave up (an answer a retry would not change): `retry` starts it again. */
  stopped: boolean;
  loadingOlder: boolean;
  olderError: unknown;
  loadOlder(): void;
  retry(): void;
}

/** Worth another try later: no answer, too many requests, the archive unavailable, a server failure. */
const transient = (e: unknown): boolean =>
  !(e instanceof ApiError) || e.status === 0 || e.status === 429 || e.status >= 500;

const aborted = (e: unknown): boolean => e instanceof DOMException && e.name === "AbortError";

export function useRunMessages(runId: string, filter: MessageFilter, paused: boolean): RunMessages {
  const [held, setHeld] = useState<Held>(emptyHeld);
  const [scanning, setScanning] = useState(true);
  const [read, setRead] = useState(0);
  const [error, setError] = useState<unknown>(null);
  const [liveError, setLiveError] = useState<unknown>(null);
  const [stopped, setStopped] = useState(false);
  const [loadingOlder, setLoadingOlder] = useState(false);
  const [olderError, setOlderError] = useState<unknown>(null);
  const [attempt, setAttempt] = useState(0);
  const windowSize = useRef(WINDOW);
  const pausedRef = useRef(paused);
  const wake = useRef<() => void>(() => undefined);
  const heldRef = useRef(held);
  heldRef.current = held;
  const shownRun = useRef(runId);
  const session = useRef<AbortController | null>(null);

  useEffect(() => {
    pausedRef.current = paused;
    if (!paused) wake.current();
  }, [paused]);

  useEffect(() => {
    const ctl = new AbortController();
    session.current = ctl;
    const { direction, types } = filter;
    // What is already held and still matches shows at once; the read fills in the rest.
    const sameRun = shownRun.current === runId;
    shownRun.current = runId;
    setHeld((h) => ({ ...emptyHeld(), messages: sameRun ? filterMessages(h.messages, filter) : [] }));
    windowSize.current = WINDOW;
    setScanning(true);
    setRead(0);
    setError(null);
    setLiveError(null);
    setStopped(false);
    setOlderError(null);

    let tail: string | null = null; // the cursor the next read starts from
    let loaded = false;
    let failures = 0;
    let busy = false;
    let timer: ReturnType<typeof setTimeout> | undefined;

    const page = (after: string | null, limit: number) =>
      api.page(runId, { direction, types, after, limit }, ctl.signal);

    const catchUp = async () => {
      let after = tail;
      for (;;) {
        const got = await page(after, MAX_PAGE);
        if (ctl.signal.aborted) return;
        const from = after;
        setHeld((h) => trimToWindow(withPage(h, from, got.messages, MAX_PAGE), windowSize.current));
        if (!loaded) setRead((n) => n + got.messages.length); // the first read's progress
        if (got.next) {
          after = got.next;
          continue;
        }
        // The last page has no `next`: to not read it all again at every poll, ask for one message
        // fewer, whose `next` is the cursor just before the newest message.
        const k = got.messages.length;
        if (k > 1) {
          const probe = await page(after, k - 1);
          if (probe.next) after = probe.next;
        }
        break;
      }
      tail = after;
    };

    const tick = async () => {
      timer = undefined;
      if (busy || ctl.signal.aborted) return;
      if (loaded && pausedRef.current) return; // `wake` reads again on resume
      busy = true;
      let wait = POLL_MS;
      try {
        await catchUp();
        if (ctl.signal.aborted) return;
        loaded = true;
        failures = 0;
        setError(null);
        setLiveError(null);
      } catch (e) {
        if (ctl.signal.aborted || aborted(e)) return;
        failures += 1;
        if (loaded) setLiveError(e);
        else setError(e);
        if (!transient(e)) {
          setStopped(true);
          return;
        }
        wait = Math.min(MAX_BACKOFF_MS, POLL_MS * 2 ** failures);
      } finally {
        busy = false;
        if (!ctl.signal.aborted) setScanning(false);
      }
      if (!ctl.signal.aborted) timer = setTimeout(() => void tick(), wait);
    };

    wake.current = () => {
      if (timer !== undefined) clearTimeout(timer);
      void tick();
    };
    void tick();
    return () => {
      ctl.abort();
      if (timer !== undefined) clearTimeout(timer);
      wake.current = () => undefined;
    };
    // The types as one string: a new array with the same types is the same filter.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [runId, filter.direction, filter.types.join(","), attempt]);

  const loadOlder = useCallback(() => {
    const mark = heldRef.current.older[heldRef.current.older.length - 1];
    const ctl = session.current;
    if (!mark || !ctl) return;
    setLoadingOlder(true);
    setOlderError(null);
    api.page(runId, { direction: filter.direction, types: filter.types, after: mark.after, limit: Math.min(mark.count, MAX_PAGE) },
      ctl.signal).then(
      (got) => {
        if (ctl.signal.aborted) return;
        windowSize.current += got.messages.length;
        setHeld((h) => (h.older[h.older.length - 1] === mark ? withOlder(h, got.messages) : h));
        setLoadingOlder(false);
      },
      (e: unknown) => {
        if (ctl.signal.aborted || aborted(e)) return;
        setOlderError(e);
        setLoadingOlder(false);
      },
    );
  }, [runId, filter.direction, filter.types]);

  const retry = useCallback(() => setAttempt((n) => n + 1), []);

  return { held, scanning, read, error, liveError, stopped, loadingOlder, olderError, loadOlder, retry };
}
