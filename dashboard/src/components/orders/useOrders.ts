import { useCallback, useEffect, useRef, useState } from "react";
import { orders, type Fill, type Order } from "../../api/orders";
import { useStore } from "../../store/store";
import { delayBeforeNext, orderActivityMark, withoutOpen } from "./live";

/** Reads at most this often while order events stream in (a fill burst is one read). */
export const RELOAD_EVERY_MS = 500;
const OPEN_LIMIT = 1000;
const FILLS_LIMIT = 2000;

export interface OrdersData {
  open: Order[];
  done: Order[];
  fills: Fill[];
  read: string | null;
  loading: boolean;
  error: unknown;
  reload: () => void;
}

/**
 * An account's open orders, its last `doneLimit` finished ones and its fills: read when the page opens
 * or the account changes, after the stream's reset, and again (at most every RELOAD_EVERY_MS) when the
 * store's activity shows a new order or fill event of the account. Old data stays shown while reading.
 */
export function useOrders(account: string, doneLimit: number): OrdersData {
  const [data, setData] = useState<{ account: string; open: Order[]; done: Order[]; fills: Fill[]; read: string } | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const generation = useRef(0);
  const lastRun = useRef(0);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);

  const read = useCallback(() => {
    if (!account) return;
    const mine = ++generation.current;
    lastRun.current = Date.now();
    setLoading(true);
    Promise.all([
      orders.list(account, "open", OPEN_LIMIT),
      orders.list(account, "done", doneLimit),
      orders.fills(account, FILLS_LIMIT),
    ]).then(
      ([open, done, fills]) => {
        if (mine !== generation.current) return; // a newer read (or another account) answers instead
        setData({ account, open, done: withoutOpen(done, open), fills, read: new Date().toISOString() });
        setError(null);
        setLoading(false);
      },
      (e: unknown) => {
        if (mine !== generation.current) return;
        setError(e);
        setLoading(false);
      },
    );
  }, [account, doneLimit]);

  const resets = useStore((s) => s.resets);
  useEffect(() => {
    read();
  }, [read, resets]);

  // Live: a new order or fill event of this account -> read again, throttled (trailing).
  const mark = useStore((s) => orderActivityMark(s.activity, account));
  const seen = useRef(mark);
  const readRef = useRef(read);
  readRef.current = read;
  useEffect(() => {
    if (mark === seen.current) return;
    seen.current = mark;
    if (timer.current !== null) return; // a read is already due: it will see this event too
    timer.current = setTimeout(() => {
      timer.current = null;
      readRef.current();
    }, delayBeforeNext(Date.now(), lastRun.current, RELOAD_EVERY_MS));
  }, [mark]);
  useEffect(() => () => {
    if (timer.current !== null) clearTimeout(timer.current);
  }, []);

  const current = data && data.account === account ? data : null;
  return {
    open: current?.open ?? [], done: current?.done ?? [], fills: current?.fills ?? [], read: current?.read ?? null,
    loading, error, reload: read,
  };
}
