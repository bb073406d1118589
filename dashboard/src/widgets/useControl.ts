import { useCallback, useRef, useState } from "react";
import { newKey } from "../api/client";
import { ApiError } from "../api/errors";
import { useStore } from "../store/store";

export interface Control {
  send: (payload: unknown) => void;
  /** Send the last payload again with the same Idempotency-Key: the run sees it once. */
  retry: () => void;
  sending: boolean;
  error: unknown;
  /** When the last control message was accepted (202: it is on its way to the run). */
  sentAt: Date | null;
}

/** Control messages of one component: each payload gets its own idempotency key, a retry reuses it. */
export function useControl(runId: string, componentId: string): Control {
  const sendControl = useStore((s) => s.sendControl);
  const [sending, setSending] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [sentAt, setSentAt] = useState<Date | null>(null);
  const last = useRef<{ payload: unknown; key: string } | null>(null);

  const deliver = useCallback(async (payload: unknown, key: string) => {
    setSending(true);
    setError(null);
    try {
      await sendControl(runId, componentId, payload, key);
      setSentAt(new Date());
    } catch (e) {
      // After a 503 the API names the key to retry with; it is ours already.
      setError(e instanceof ApiError && e.status === 503
        ? new ApiError(503, `${e.message} Use "Try again": it sends the same message once.`)
        : e);
    } finally {
      setSending(false);
    }
  }, [runId, componentId, sendControl]);

  const send = useCallback((payload: unknown) => {
    last.current = { payload, key: newKey(componentId.replace(/[^A-Za-z0-9._:@-]/g, "").slice(0, 40) || "ui") };
    void deliver(payload, last.current.key);
  }, [deliver, componentId]);

  const retry = useCallback(() => {
    if (last.current) void deliver(last.current.payload, last.current.key);
  }, [deliver]);

  return { send, retry, sending, error, sentAt };
}
