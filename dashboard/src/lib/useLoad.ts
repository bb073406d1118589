import { useCallback, useEffect, useRef, useState } from "react";
import { useStore } from "../store/store";

export interface Load {
  loading: boolean;
  error: unknown;
  reload: () => void;
}

/**
 * Run a page's reads (store actions) when it opens, when `deps` change, and again after the stream's
 * `reset`; loading and error for the page to show. The data itself lands in the store.
 */
export function useLoad(read: () => Promise<unknown>, deps: readonly unknown[]): Load {
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<unknown>(null);
  const resets = useStore((s) => s.resets);
  const generation = useRef(0);
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const run = useCallback(read, deps);
  const reload = useCallback(() => {
    const mine = ++generation.current;
    setLoading(true);
    run().then(
      () => { if (mine === generation.current) { setError(null); setLoading(false); } },
      (e: unknown) => { if (mine === generation.current) { setError(e); setLoading(false); } },
    );
  }, [run]);
  useEffect(() => {
    reload();
  }, [reload, resets]);
  return { loading, error, reload };
}
