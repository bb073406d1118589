import { Anchor, Button, MultiSelect, SegmentedControl, Text } from "@mantine/core";
import { useMediaQuery } from "@mantine/hooks";
import { useMemo, useState } from "react";
import { Link, useParams, useSearchParams } from "react-router";
import { ApiError } from "../api/errors";
import type { Direction, RunMessage } from "../api/messages";
import { ErrorNotice } from "../components/ErrorNotice";
import { PageHeader } from "../components/PageHeader";
import { StateBadge } from "../components/StateBadge";
import { MessageBody } from "../components/messages/MessageBody";
import { MessageList, ROW_HEIGHT, ROW_HEIGHT_NARROW } from "../components/messages/MessageList";
import { typeOptions, type MessageFilter } from "../components/messages/model";
import { POLL_MS, useRunMessages } from "../components/messages/useRunMessages";
import { useLoad } from "../lib/useLoad";
import { runPath } from "../routes";
import { useStore } from "../store/store";

const DIRECTIONS: { value: Direction; label: string }[] = [
  { value: "all", label: "All" }, { value: "inbox", label: "Inbox" }, { value: "outputs", label: "Outputs" },
];
const isDirection = (v: string | null): v is Direction => v === "all" || v === "inbox" || v === "outputs";
const count = (n: number) => n.toLocaleString("en-US");

/** The error of the archive's read, with what to do about a 503 (no archive to read). */
function ArchiveError({ error, onRetry, title }: { error: unknown; onRetry: () => void; title: string }) {
  if (!error) return null;
  const unavailable = error instanceof ApiError && error.status === 503;
  return (
    <>
      <ErrorNotice error={error} onRetry={onRetry} title={title} />
      {unavailable && (
        <Text size="sm" mt={4} data-testid="archive-hint">
          A run's messages are read from the archive. Start the API with <code>cryptick api --archive</code>, or
          use <code>cryptick up</code>, which archives while it serves; then try again.
        </Text>
      )}
    </>
  );
}

/** Every message of a run — what it received (inbox) and what it emitted (outputs) — newest first,
 *  filtered by direction and type (kept in the address, so a view can be shared), live every 2 s. */
export default function MessagesPage() {
  const runId = useParams().runId ?? ""; // the router decodes it
  const [params, setParams] = useSearchParams();
  const dirParam = params.get("direction");
  const direction: Direction = isDirection(dirParam) ? dirParam : "all";
  const typesParam = params.get("types") ?? "";
  const filter: MessageFilter = useMemo(
    () => ({ direction, types: typesParam.split(",").filter(Boolean) }), [direction, typesParam]);
  const setFilter = (next: MessageFilter) => {
    const p: Record<string, string> = {};
    if (next.direction !== "all") p.direction = next.direction;
    if (next.types.length) p.types = next.types.join(",");
    setParams(p, { replace: true });
  };

  const loadRun = useStore((s) => s.loadRun);
  const run = useStore((s) => s.runs[runId]);
  const detail = useStore((s) => s.runDetails[runId]);
  useLoad(() => loadRun(runId).catch(() => undefined), [runId, loadRun]); // its counts by type; optional

  const [paused, setPaused] = useState(false);
  const [open, setOpen] = useState<RunMessage | null>(null);
  const narrow = useMediaQuery("(max-width: 48em)") ?? false;
  const state = useRunMessages(runId, filter, paused);
  const list = state.held.messages;

  const seen = useMemo(() => new Set(list.map((m) => m.type)), [list]);
  const options = useMemo(
    () => typeOptions(detail ? { inbox: detail.inbox, outputs: detail.outputs } : null, seen, filter.types, direction),
    [detail, seen, filter.types, direction]);

  const status = state.scanning
    ? `Reading the archive… ${count(state.read)} messages so far`
    : paused ? `Paused: ${count(list.length)} messages shown, newest first`
      : `Live: ${count(list.length)} messages, newest first; newer ones every ${POLL_MS / 1000} s`;

  return (
    <section aria-labelledby="page-title">
      <Anchor component={Link} to={runPath(runId)} size="sm">← Run <span className="mono">{runId}</span></Anchor>
      <PageHeader title={<span id="page-title">Messages</span>}>
        {run && <StateBadge state={run.state} detail={run.detail} />}
        <Button variant={paused ? "filled" : "default"} size="xs" aria-pressed={paused}
                onClick={() => setPaused((p) => !p)} data-testid="pause">
          {paused ? "Resume live" : "Pause live"}
        </Button>
      </PageHeader>

      <div className="msg-toolbar" role="group" aria-label="Filter">
        <div>
          <Text size="sm" fw={500} id="msg-direction-label" mb={4}>Direction</Text>
          <SegmentedControl size="xs" data={DIRECTIONS} value={direction} aria-labelledby="msg-direction-label"
                            onChange={(v) => setFilter({ ...filter, direction: isDirection(v) ? v : "all" })} />
        </div>
        <MultiSelect className="msg-types" size="xs" label="Types" placeholder={filter.types.length ? "" : "Every type"}
                     data={options} value={[...filter.types]} searchable clearable nothingFoundMessage="No such type"
                     onChange={(types) => setFilter({ ...filter, types })} comboboxProps={{ withinPortal: true }} />
      </div>

      <Text size="sm" c="dimmed" role="status" aria-live="polite" mb={6} data-testid="messages-status">{status}</Text>
      <ArchiveError error={state.error} onRetry={state.retry} title="The run's messages could not be read" />
      {state.liveError != null && (
        <ErrorNotice error={state.liveError} onRetry={state.stopped ? state.retry : undefined}
                     title={state.stopped ? "Live updates stopped" : "Live updates failed: trying again"} />
      )}

      {!state.error && (
        <>
          {!state.scanning && list.length === 0 && (
            <Text c="dimmed" mb="xs">
              {filter.types.length || direction !== "all" ? "No message of this run matches the filter (yet)."
                : "No message of this run in the archive (yet)."}
            </Text>
          )}
          <MessageList messages={list} rowHeight={narrow ? ROW_HEIGHT_NARROW : ROW_HEIGHT} open={open} onOpen={setOpen} />
          <div className="msg-footer">
            {state.held.older.length > 0 ? (
              <Button size="xs" variant="default" loading={state.loadingOlder} onClick={state.loadOlder}>
                Older messages
              </Button>
            ) : !state.scanning && list.length > 0 && <Text size="sm" c="dimmed">The oldest is the run's first message.</Text>}
          </div>
          <ErrorNotice error={state.olderError} onRetry={state.loadOlder} title="Older messages could not be read" />
        </>
      )}
      <MessageBody message={open} onClose={() => setOpen(null)} />
    </section>
  );
}
