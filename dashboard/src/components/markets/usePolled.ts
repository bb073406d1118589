import { useCallback, useEffect, useRef, useState } from "react";

export interface Polled<T> {
  data: T | null;
  error: unknown;
  /** When the last read answered (ms since the epoch), null before the first. */
  at: number | null;
}

/**
 * Read `read` now and every `everyMs` while the page is visible (paused while the tab is hidden, read
 * again as soon as it shows); one read at a time, and the answers of an older `deps` are dropped.
 */
export function usePolled<T>(read: () => Promise<T>, everyMs: number, deps: readonly unknown[]): Polled<T> {
  const [state, setState] = useState<Polled<T>>({ data: null, error: null, at: null });
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const run = useCallback(read, deps);
  const generation = useRef(0);
  useEffect(() => {
    const mine = ++generation.current;
    setState({ data: null, error: null, at: null });
    let timer: ReturnType<typeof setTimeout> | undefined;
    let busy = false;
    const tick = () => {
      clearTimeout(timer);
      if (document.hidden || busy) return;
      busy = true;
      run().then(
        (data) => { if (mine === generation.current) setState({ data, error: null, at: Date.now() }); },
        (error: unknown) => { if (mine === generation.current) setState((s) => ({ ...s, error, at: Date.now() })); },
      ).finally(() => {
        busy = false;
        if (mine === generation.current && !document.hidden) timer = setTimeout(tick, everyMs);
      });
    };
    const onVisible = () => { if (!document.hidden) tick(); };
    document.addEventListener("visibilitychange", onVisible);
    tick();
    return () => {
      generation.current++;
      clearTimeout(timer);
      document.removeEventListener("visibilitychange", onVisible);
    };
  }, [run, everyMs]);
  return state;
}
