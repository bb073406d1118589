import { useEffect, useRef } from "react";

/** How long to wait before the next reload so that two are at least `gapMs` apart (0: now). */
export function throttleDelay(lastAt: number | null, now: number, gapMs: number): number {
  return lastAt === null ? 0 : Math.max(0, lastAt + gapMs - now);
}

/** The newest event id in `activity` (newest first) that belongs to the run or its wallet set: it
 *  changes when such an event arrives. */
export function newestOfRun(activity: readonly { event_id: string }[], runId: string, walletSetId: string | null): string {
  for (const e of activity) {
    const r = e as { run_id?: unknown; wallet_set_id?: unknown };
    if (r.run_id === runId || (walletSetId && r.wallet_set_id === walletSetId)) return e.event_id;
  }
  return "";
}

/**
 * Call `reload` when `trigger` changes (not on mount), at most once per `gapMs`: a burst of events
 * makes one reload now and one at the end of the gap, which sees the whole burst.
 */
export function useThrottledReload(reload: () => void, trigger: unknown, gapMs = 500): void {
  const latest = useRef(reload);
  latest.current = reload;
  const lastAt = useRef<number | null>(null);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    if (timer.current !== null) return; // the pending reload will see this change too
    timer.current = setTimeout(() => {
      timer.current = null;
      lastAt.current = Date.now();
      latest.current();
    }, throttleDelay(lastAt.current, Date.now(), gapMs));
  }, [trigger, gapMs]);
  useEffect(() => () => {
    if (timer.current !== null) clearTimeout(timer.current);
  }, []);
}
