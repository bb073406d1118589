import { Badge, Button, Group, Modal, Stack, Text } from "@mantine/core";
import { useCallback, useEffect, useMemo, useRef, useState, type ReactNode } from "react";
import { newKey } from "../../api/client";
import { ApiError } from "../../api/errors";
import { useStore } from "../../store/store";
import { armOn, due, findPrompt, waiting, type Armed } from "../../widgets/prompt";
import { PromptHostContext, usePromptHost, type PromptHost } from "../../widgets/promptHost";
import { RENDERERS } from "../../widgets/registry";
import { UnknownWidget } from "../../widgets/UnknownWidget";
import { ErrorNotice } from "../ErrorNotice";

const ARMED_FOR_MS = 60_000;

/**
 * The run page's confirmation dialog for a prompt a buttons component declares (widgets/prompt.ts):
 * it opens when the run answers a control sent from this page with something waiting for the action,
 * or when the user presses the action's button or "Review"; it shows the named component read only.
 * "Confirm" sends the action (one idempotency key; "Try again" reuses it), "Not now" closes.
 */
export function ConfirmPrompt({ runId, canControl, children }: { runId: string; canControl: boolean; children: ReactNode }) {
  const widgets = useStore((s) => s.widgets[runId]);
  const order = useStore((s) => s.widgetOrder[runId]);
  const sendControl = useStore((s) => s.sendControl);
  const prompt = useMemo(() => findPrompt(widgets, order), [widgets, order]);
  const [armed, setArmed] = useState<Armed | null>(null);
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const key = useRef<string | null>(null);
  const latest = useRef({ prompt, widgets });
  latest.current = { prompt, widgets };

  // A control the run answered with nothing to confirm must not open the dialog for a later, unrelated
  // proposal: the watch ends after a while.
  useEffect(() => {
    if (!armed) return;
    const timer = setTimeout(() => setArmed(null), ARMED_FOR_MS);
    return () => clearTimeout(timer);
  }, [armed]);

  useEffect(() => {
    if (due(prompt, armed, widgets)) {
      setArmed(null);
      setError(null);
      setOpen(true);
    }
  }, [prompt, armed, widgets]);

  const host = useMemo<PromptHost>(() => ({
    sent(componentId) {
      const next = armOn(latest.current.prompt, componentId, latest.current.widgets);
      if (next) setArmed(next);
    },
    ask(componentId, action) {
      const p = latest.current.prompt;
      if (!p || p.owner !== componentId || p.action !== action) return false;
      setError(null);
      setOpen(true);
      return true;
    },
  }), []);

  const close = useCallback(() => {
    setOpen(false);
    key.current = null;
  }, []);

  const confirm = async () => {
    if (!prompt) return;
    key.current ??= newKey(prompt.owner.replace(/[^A-Za-z0-9._:@-]/g, "").slice(0, 40) || "ui");
    setBusy(true);
    setError(null);
    try {
      await sendControl(runId, prompt.owner, { [prompt.field]: prompt.action }, key.current);
      close();
    } catch (e) {
      setError(e instanceof ApiError && e.status === 503
        ? new ApiError(503, `${e.message} Use "Try again": it sends the same message once.`) : e);
    } finally {
      setBusy(false);
    }
  };

  const pending = waiting(prompt, widgets);
  const shown = prompt?.show ? widgets?.[prompt.show] : undefined;
  const Renderer = shown ? RENDERERS[shown.kind] ?? UnknownWidget : null;
  const label = prompt ? prompt.action.charAt(0).toUpperCase() + prompt.action.slice(1).replaceAll("_", " ") : "";
  return (
    <PromptHostContext.Provider value={host}>
      {children}
      {prompt && (
        <Modal opened={open} onClose={close} title={prompt.title} centered size="lg" data-testid="confirm-prompt">
          <Stack gap="sm">
            {shown && Renderer && <Renderer widget={shown} send={null} sending={false} />}
            {!pending && <Text size="sm" c="dimmed" role="status">Nothing is waiting for “{label}” now.</Text>}
            {!canControl && <Text size="sm" c="dimmed">You may look, but not steer this run.</Text>}
            <ErrorNotice error={error} onRetry={() => void confirm()} title={`“${label}” was not sent`} />
            <Group justify="flex-end" gap="xs">
              <Button variant="default" onClick={close}>Not now</Button>
              <Button loading={busy} disabled={!pending || !canControl} onClick={() => void confirm()}>{label}</Button>
            </Group>
          </Stack>
        </Modal>
      )}
    </PromptHostContext.Provider>
  );
}

/** The prompt's flag ("awaiting confirmation") beside the run's state while it is set; "Review" opens the
 *  dialog. Inside ConfirmPrompt. */
export function AwaitingBadge({ runId }: { runId: string }) {
  const widgets = useStore((s) => s.widgets[runId]);
  const order = useStore((s) => s.widgetOrder[runId]);
  const host = usePromptHost();
  const prompt = useMemo(() => findPrompt(widgets, order), [widgets, order]);
  if (!prompt || !waiting(prompt, widgets)) return null;
  return (
    <Group gap={6} wrap="nowrap">
      <Badge color="orange" variant="filled" data-testid="awaiting-badge">{prompt.flag.replaceAll("_", " ")}</Badge>
      {host && <Button size="xs" variant="light" color="orange" onClick={() => host.ask(prompt.owner, prompt.action)}>Review</Button>}
    </Group>
  );
}
