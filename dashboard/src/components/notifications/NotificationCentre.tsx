import { ActionIcon, Badge, Button, Group, Text } from "@mantine/core";
import { useEffect, useRef, useState, type KeyboardEvent } from "react";
import { formatTime } from "../../lib/format";
import { grantedAccounts, useStore, type Store } from "../../store/store";
import {
  addToasts, addToPanel, MAX_PANEL, nextDue, notesBetween, offer, release, TOAST_LIFE_MS,
  type Gate, type Note, type Toast, type Watched,
} from "./model";
import "./notifications.css";

const watched = (s: Store): Watched => ({ activity: s.activity, marketNotes: s.marketNotes, markets: s.markets, notices: s.notices });

/** The header's bell: a count of what is unread, a panel of the latest 50 notifications, and brief toasts
 *  (at most one per kind every 2 s, coalesced) that never take the focus. */
export function NotificationCentre() {
  const [panel, setPanel] = useState<Note[]>([]);
  const [unread, setUnread] = useState(0);
  const [toasts, setToasts] = useState<Toast[]>([]);
  const [open, setOpen] = useState(false);
  const gate = useRef<Gate>({});
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const bell = useRef<HTMLButtonElement>(null);
  const openRef = useRef(open);
  openRef.current = open;

  useEffect(() => {
    const show = (got: Toast[]) => {
      if (!got.length) return;
      setToasts((t) => addToasts(t, got));
      for (const t of got) setTimeout(() => setToasts((all) => all.filter((x) => x.id !== t.id)), TOAST_LIFE_MS);
    };
    const schedule = () => {
      if (timer.current) clearTimeout(timer.current);
      timer.current = null;
      const due = nextDue(gate.current);
      if (due === null) return;
      timer.current = setTimeout(() => {
        const out = release(gate.current, Date.now());
        gate.current = out.gate;
        show(out.toasts);
        schedule();
      }, Math.max(0, due - Date.now()));
    };
    const unsubscribe = useStore.subscribe((state, prev) => {
      if (state.activity === prev.activity && state.marketNotes === prev.marketNotes && state.notices === prev.notices) return;
      const notes = notesBetween(watched(prev), watched(state), grantedAccounts(state.me));
      if (!notes.length) return;
      setPanel((p) => addToPanel(p, notes));
      if (!openRef.current) setUnread((n) => Math.min(MAX_PANEL, n + notes.length));
      const out = offer(gate.current, notes, Date.now());
      gate.current = out.gate;
      show(out.toasts);
      schedule();
    });
    return () => {
      unsubscribe();
      if (timer.current) clearTimeout(timer.current);
    };
  }, []);

  const toggle = () => {
    setOpen((o) => !o);
    setUnread(0);
  };
  const close = () => {
    setOpen(false);
    bell.current?.focus();
  };
  const onKey = (e: KeyboardEvent) => {
    if (e.key === "Escape") close();
  };

  return (
    <div className="notify" onKeyDown={onKey}>
      <ActionIcon ref={bell} variant="default" size="lg" onClick={toggle} aria-expanded={open}
                  aria-controls="notify-panel" data-testid="notify-bell" data-unread={unread}
                  aria-label={unread ? `Notifications, ${unread} unread` : "Notifications"}>
        <svg aria-hidden="true" className="notify-bell" viewBox="0 0 24 24" width="18" height="18" fill="none"
             stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round">
          <path d="M6 8a6 6 0 0 1 12 0c0 7 3 9 3 9H3s3-2 3-9" />
          <path d="M10.3 21a1.94 1.94 0 0 0 3.4 0" />
        </svg>
        {unread > 0 && <span className="notify-count" aria-hidden="true">{unread}</span>}
      </ActionIcon>
      {open && (
        <section id="notify-panel" className="notify-panel" aria-label="Notifications" data-testid="notify-panel">
          <Group justify="space-between" mb={6} wrap="nowrap">
            <Text fw={600} size="sm">Notifications</Text>
            <Group gap={4} wrap="nowrap">
              <Button size="compact-xs" variant="subtle" onClick={() => setPanel([])} disabled={!panel.length}>Clear</Button>
              <Button size="compact-xs" variant="subtle" onClick={close}>Close</Button>
            </Group>
          </Group>
          {panel.length === 0 ? <Text size="sm" c="dimmed">Nothing yet: fills, finished or rejected orders, books turning stale and
            warnings appear here as they happen.</Text> : (
            <ol className="notify-list">
              {panel.map((n) => (
                <li key={n.id} className={`notify-item tone-${n.tone}`} data-kind={n.kind} data-testid="notify-item">
                  <Group justify="space-between" gap={6} wrap="nowrap">
                    <Text size="sm" fw={500} className="wrap-anywhere">{n.title}</Text>
                    <Badge size="xs" variant="light" className="notify-time">{formatTime(n.at)}</Badge>
                  </Group>
                  {n.detail && <Text size="xs" c="dimmed" className="wrap-anywhere">{n.detail}</Text>}
                </li>
              ))}
            </ol>
          )}
        </section>
      )}
      <div className="notify-toasts" role="status" aria-live="polite" data-testid="toasts">
        {toasts.map((t) => (
          <div key={t.id} className={`notify-toast tone-${t.tone}`} data-kind={t.kind} data-count={t.count} data-testid="toast">
            <Group justify="space-between" gap={6} wrap="nowrap" align="flex-start">
              <div>
                <Text size="sm" fw={600} className="wrap-anywhere">{t.title}</Text>
                {t.detail && <Text size="xs" c="dimmed" className="wrap-anywhere">{t.detail}</Text>}
              </div>
              <ActionIcon size="sm" variant="subtle" color="gray" aria-label="Dismiss" className="notify-dismiss"
                          onClick={() => setToasts((all) => all.filter((x) => x.id !== t.id))}>×</ActionIcon>
            </Group>
          </div>
        ))}
      </div>
    </div>
  );
}
