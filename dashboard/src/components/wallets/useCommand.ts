import { useRef, useState } from "react";
import { newKey } from "../../api/client";
import type { CommandOut } from "../../api/types";

export interface Command {
  busy: boolean;
  error: unknown;
  /** What the last accepted or pending answer said, for the user. */
  outcome: CommandOut | null;
  /** Send `build(key)`; the same content sent again (a retry) keeps its key, so it is applied once. */
  send: (content: unknown, call: (key: string) => Promise<CommandOut>) => Promise<CommandOut | null>;
  reset: () => void;
}

/** A command the user gives once: its id kept for retries of the same content, a new one for new content. */
export function useCommand(prefix: string): Command {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [outcome, setOutcome] = useState<CommandOut | null>(null);
  const last = useRef<{ content: string; key: string } | null>(null);

  const send = async (content: unknown, call: (key: string) => Promise<CommandOut>) => {
    const text = JSON.stringify(content);
    if (!last.current || last.current.content !== text) last.current = { content: text, key: newKey(prefix) };
    setBusy(true);
    setError(null);
    setOutcome(null);
    try {
      const out = await call(last.current.key);
      setOutcome(out);
      if (out.status !== "pending") last.current = null; // decided: the next command is a new one
      return out;
    } catch (e) {
      setError(e);
      return null;
    } finally {
      setBusy(false);
    }
  };
  const reset = () => {
    last.current = null;
    setError(null);
    setOutcome(null);
  };
  return { busy, error, outcome, send, reset };
}

/** A pending answer in words: the command was sent but its outcome is not known yet. */
export const PENDING_TEXT = "Sent; the ledger has not answered yet. Press again to retry with the same command id (it is applied once).";
