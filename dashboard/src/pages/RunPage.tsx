import { Anchor, Badge, Button, Checkbox, Group, Modal, Stack, Text, Title } from "@mantine/core";
import { memo, useState } from "react";
import { Link, useParams } from "react-router";
import { ErrorNotice } from "../components/ErrorNotice";
import { PageHeader } from "../components/PageHeader";
import { AwaitingBadge, ConfirmPrompt } from "../components/run/ConfirmPrompt";
import { RunTrading } from "../components/run/RunTrading";
import { StateBadge } from "../components/StateBadge";
import { formatTime } from "../lib/format";
import { useLoad } from "../lib/useLoad";
import { auditRunPath, runMessagesPath } from "../routes";
import { mayTrade, useStore } from "../store/store";
import { WidgetSlot } from "../widgets/registry";

const ENDED = new Set(["stopped", "failed", "done", "cancelled"]);
const NOT_FUNDED_YET = new Set(["", "requested", "queued", "starting", "waiting"]); // no wallet set yet
const LOG_LINES = 200;

function StopRun({ runId }: { runId: string }) {
  const stopRun = useStore((s) => s.stopRun);
  const [open, setOpen] = useState(false);
  const [release, setRelease] = useState(true);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const stop = async () => {
    setBusy(true);
    setError(null);
    try {
      await stopRun(runId, release);
      setOpen(false);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <Button color="red" variant="light" size="xs" onClick={() => setOpen(true)}>Stop run</Button>
      <Modal opened={open} onClose={() => setOpen(false)} title="Stop this run?" centered>
        <Stack gap="sm">
          <Text size="sm">Its open orders are cancelled and its market data stops.</Text>
          <Checkbox label="Give its wallet set back to the pool (release)" checked={release}
                    onChange={(e) => setRelease(e.currentTarget.checked)} />
          <ErrorNotice error={error} title="The run was not stopped" />
          <Group justify="flex-end" gap="xs">
            <Button variant="default" onClick={() => setOpen(false)}>Cancel</Button>
            <Button color="red" loading={busy} onClick={() => void stop()}>Stop run</Button>
          </Group>
        </Stack>
      </Modal>
    </>
  );
}

/** The run's newest log lines, newest first: rendered again only when they change, as plain rows. */
const RunLog = memo(function RunLog({ runId }: { runId: string }) {
  const logLines = useStore((s) => s.runLogs[runId]);
  const lines = (logLines ?? []).slice(-LOG_LINES).reverse();
  return (
    <section aria-labelledby="run-log-title" className="run-log">
      <Title order={2} size="h4" mt="lg" mb="xs" id="run-log-title">Log</Title>
      {lines.length === 0 ? <Text c="dimmed" size="sm">No log lines.</Text> : (
        <div className="table-scroll log-scroll">
          <table className="plain-table compact" aria-label="Run log" data-testid="run-log">
            <tbody>
              {lines.map((l, i) => (
                <tr key={`${l.ts}-${i}`} data-level={l.level}>
                  <td className="nowrap">{formatTime(l.ts)}</td>
                  <td>{l.level}</td>
                  <td className="wrap-anywhere">{l.message}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
});

/** One run: its state, parameters and allocations, every component it declared (one renderer per
 *  kind, live from the `runs` stream, with the confirmation dialog a buttons component may declare),
 *  its wallet set, orders and fills, and its log; a link to all its messages. */
export default function RunPage() {
  const runId = useParams().runId ?? ""; // the router decodes it
  const loadRun = useStore((s) => s.loadRun);
  const run = useStore((s) => s.runs[runId]);
  const detail = useStore((s) => s.runDetails[runId]);
  const order = useStore((s) => s.widgetOrder[runId]);
  const me = useStore((s) => s.me);
  const load = useLoad(() => loadRun(runId), [runId, loadRun]);
  const canControl = mayTrade(me) && !!run && !ENDED.has(run.state);

  return (
    <ConfirmPrompt runId={runId} canControl={canControl}>
    <section aria-labelledby="page-title">
      <Group justify="space-between" gap="xs">
        <Anchor component={Link} to="/" size="sm">← Runs</Anchor>
        <Group gap="md">
          <Anchor component={Link} to={auditRunPath(runId)} size="sm">Audit timeline →</Anchor>
          <Anchor component={Link} to={runMessagesPath(runId)} size="sm">Messages →</Anchor>
        </Group>
      </Group>
      <PageHeader title={<span id="page-title" className="mono wrap-anywhere">{runId}</span>}>
        {run && <StateBadge state={run.state} detail={run.detail} />}
        <AwaitingBadge runId={runId} />
        {canControl && <StopRun runId={runId} />}
        <Button variant="default" size="xs" onClick={load.reload} loading={load.loading}>Refresh</Button>
      </PageHeader>
      <ErrorNotice error={load.error} onRetry={load.reload} title="This run could not be read" />
      {run && (
        <dl className="facts" aria-label="Run">
          <div><dt>Strategy</dt><dd>{run.strategy || "—"}</dd></div>
          <div><dt>Mode</dt><dd>{run.mode || "—"}</dd></div>
          <div><dt>Account</dt><dd>{run.account || "—"}</dd></div>
          <div><dt>Wallet set</dt><dd className="mono">{run.wallet_set_id || "—"}</dd></div>
          <div><dt>Started</dt><dd>{formatTime(run.started)}</dd></div>
          <div><dt>State</dt><dd>{run.state}{run.detail ? `: ${run.detail}` : ""}</dd></div>
          {detail?.stop_requested && <div><dt>Stop requested</dt><dd>{detail.stop_requested}</dd></div>}
        </dl>
      )}
      {detail && (Object.keys(detail.params).length > 0 || detail.allocations.length > 0) && (
        <Group align="flex-start" gap="xl" wrap="wrap" mb="md">
          {Object.keys(detail.params).length > 0 && (
            <div>
              <Title order={2} size="h5">Parameters</Title>
              <dl className="facts compact">
                {Object.entries(detail.params).map(([k, v]) => <div key={k}><dt>{k}</dt><dd className="mono">{v}</dd></div>)}
              </dl>
            </div>
          )}
          {detail.allocations.length > 0 && (
            <div>
              <Title order={2} size="h5">Allocations</Title>
              <Group gap={6}>
                {detail.allocations.map((a) => (
                  <Badge key={`${a.venue}/${a.currency}`} variant="outline" color="gray" tt="none" className="mono">
                    {a.amount} {a.currency} @ {a.venue}
                  </Badge>
                ))}
              </Group>
            </div>
          )}
        </Group>
      )}

      <Title order={2} size="h4" mt="md" mb="xs">Components</Title>
      {!load.loading && (!order || order.length === 0) && <Text c="dimmed">This run declared no component (yet).</Text>}
      <div className="widget-grid">
        {(order ?? []).map((id) => <WidgetSlot key={id} runId={runId} componentId={id} canControl={canControl} />)}
      </div>

      {run && run.account && run.mode !== "backtest" && (
        <RunTrading account={run.account} runId={runId} walletSetId={run.wallet_set_id || null}
                    funded={!NOT_FUNDED_YET.has(run.state)} />
      )}

      <RunLog runId={runId} />
    </section>
    </ConfirmPrompt>
  );
}
