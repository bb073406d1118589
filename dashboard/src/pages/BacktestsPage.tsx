import { Alert, Button, Checkbox, Group, Progress, Stack, Table, Text, Title } from "@mantine/core";
import { useCallback, useEffect, useRef, useState } from "react";
import { useSearchParams } from "react-router";
import { backtests as api, type Backtest } from "../api/reports";
import { messageOf } from "../api/errors";
import { ErrorNotice } from "../components/ErrorNotice";
import { PageHeader } from "../components/PageHeader";
import { StateBadge } from "../components/StateBadge";
import { EquityChart } from "../components/reports/EquityChart";
import { MetricsTable, type ComparedReport } from "../components/reports/MetricsTable";
import {
  formatDrawdown, formatRatio, formatReturn, MAX_COMPARED, parseReport, selectionFromParam, selectionToParam,
  toggleSelection, type Report,
} from "../components/reports/model";
import { StartBacktestForm } from "../components/reports/StartBacktestForm";
import "../components/reports/reports.css";
import { formatTime } from "../lib/format";
import { useLoad } from "../lib/useLoad";
import { mayTrade, useStore } from "../store/store";

const POLL_MS = 1500; // while one is queued or running
const IDLE_POLL_MS = 10_000; // else, to see those started elsewhere (the CLI, another tab)
const REPORTS_READ = 30; // the newest done backtests whose figures the list shows
const ACTIVE = new Set(["queued", "running"]);

type Got = { report: Report } | { error: string };

/** A done backtest's report never changes: read once per page visit (a few at a time: each carries its
 *  curves). Reads already under way go on when the list is read again. */
function useReports(list: readonly Backtest[], wanted: readonly string[]) {
  const [got, setGot] = useState<Record<string, Got>>({});
  const asked = useRef(new Set<string>());
  const mounted = useRef(true);
  useEffect(() => { mounted.current = true; return () => { mounted.current = false; }; }, []);
  useEffect(() => {
    const done = list.filter((b) => b.state === "done");
    const ids = [...new Set([...wanted.filter((id) => done.some((b) => b.backtest_id === id)),
                             ...done.slice(0, REPORTS_READ).map((b) => b.backtest_id)])]
      .filter((id) => !asked.current.has(id));
    if (!ids.length) return;
    ids.forEach((id) => asked.current.add(id));
    void (async () => {
      for (let i = 0; i < ids.length && mounted.current; i += 4) {
        const answers = await Promise.all(ids.slice(i, i + 4).map(async (id): Promise<[string, Got]> => {
          try {
            const report = parseReport((await api.get(id)).report);
            return [id, report ? { report } : { error: "its report is missing or in a shape this dashboard does not read" }];
          } catch (e) {
            asked.current.delete(id); // read it again with the next list
            return [id, { error: messageOf(e) }];
          }
        }));
        if (mounted.current) setGot((g) => ({ ...g, ...Object.fromEntries(answers) }));
      }
    })();
  }, [list, wanted]);
  return got;
}

function paramsText(b: Backtest): string {
  return Object.entries(b.params).map(([k, v]) => `${k}=${v}`).join(" ");
}

function windowText(b: Backtest): string {
  return `${formatTime(b.start)} → ${formatTime(b.end)}`;
}

function BacktestProgress({ b }: { b: Backtest }) {
  const pct = Math.round(b.progress.fraction * 100);
  return (
    <Stack gap={2} className="bt-progress">
      <Progress value={b.state === "queued" ? 0 : pct} size="sm" aria-label={`Progress of ${b.backtest_id}`}
                animated={b.state === "running"} />
      <Text size="xs" c="dimmed" data-testid="backtest-progress">
        {b.state === "queued" ? "waiting for the one before" : `${pct} %${b.progress.time ? ` · at ${formatTime(b.progress.time)}` : ""}`}
      </Text>
    </Stack>
  );
}

/** The backtests (this API's and the archive's) with their figures; tick several to compare their reports
 *  side by side: the figures in one table and the equity curves against HODL on one chart. */
export default function BacktestsPage() {
  const me = useStore((s) => s.me);
  const trader = mayTrade(me);
  const [list, setList] = useState<Backtest[]>([]);
  const [partial, setPartial] = useState<string | null>(null);
  const read = useCallback(async () => {
    const { items, partial: note } = await api.list(200);
    setList(items);
    setPartial(note);
  }, []);
  const load = useLoad(read, [read]);
  const [params, setParams] = useSearchParams();
  // The selection is the page's own state, mirrored into the address (so a comparison can be linked to):
  // a checkbox must show its new state at once, and the router applies navigations in a transition.
  const [selected, setSelectedNow] = useState(() => selectionFromParam(params.get("compare")));
  const setSelected = (next: string[]) => {
    setSelectedNow(next);
    setParams(next.length ? { compare: selectionToParam(next) } : {}, { replace: true });
  };
  const reports = useReports(list, selected);
  const [actionError, setActionError] = useState<{ id: string; error: unknown } | null>(null);
  const [cancelling, setCancelling] = useState<string | null>(null);

  // Follow the running ones: read the list again often while any is queued or running.
  const active = list.some((b) => ACTIVE.has(b.state));
  useEffect(() => {
    const timer = setInterval(() => { void read().catch(() => undefined); }, active ? POLL_MS : IDLE_POLL_MS);
    return () => clearInterval(timer);
  }, [active, read]);

  const cancel = async (id: string) => {
    setCancelling(id);
    setActionError(null);
    try {
      const b = await api.cancel(id);
      setList((l) => l.map((x) => (x.backtest_id === id ? b : x)));
    } catch (e) {
      setActionError({ id, error: e });
    } finally {
      setCancelling(null);
    }
  };

  const compared: ComparedReport[] = selected.flatMap((id) => {
    const b = list.find((x) => x.backtest_id === id);
    const got = reports[id];
    if (!b || !got || !("report" in got)) return [];
    return [{ id, title: `${b.strategy}${paramsText(b) ? ` ${paramsText(b)}` : ""}`,
              subtitle: `${id.slice(0, 12)} · ${windowText(b)}`, report: got.report }];
  });
  const waiting = selected.filter((id) => !compared.some((c) => c.id === id));

  return (
    <section aria-labelledby="page-title">
      <PageHeader title={<span id="page-title">Backtests</span>}>
        <Button variant="default" size="xs" onClick={load.reload} loading={load.loading}>Refresh</Button>
      </PageHeader>
      <Stack gap="md">
        {trader && <StartBacktestForm onStarted={(b) => setList((l) => [b, ...l.filter((x) => x.backtest_id !== b.backtest_id)])} />}
        <ErrorNotice error={load.error} onRetry={load.reload} title="Backtests could not be read" />
        {partial && <Alert color="yellow" title="Only this API's backtests are listed">{partial}</Alert>}
        {!load.loading && !load.error && list.length === 0 && (
          <Text c="dimmed">No backtests yet. Start one above, or with <code>cryptick backtest</code>.</Text>
        )}
        {list.length > 0 && (
          <section aria-labelledby="bt-list-title">
            <Group justify="space-between" wrap="wrap">
              <Title order={2} size="h4" id="bt-list-title">All backtests</Title>
              <Text size="sm" c="dimmed">Tick up to {MAX_COMPARED} done backtests to compare them.</Text>
            </Group>
            <div className="table-scroll">
              <Table striped highlightOnHover aria-label="Backtests" className="compact" data-testid="backtests-table">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th scope="col"><span className="visually-hidden">Compare</span></Table.Th>
                    <Table.Th scope="col">Strategy</Table.Th>
                    <Table.Th scope="col">Window</Table.Th>
                    <Table.Th scope="col">State</Table.Th>
                    <Table.Th scope="col" className="num">Return</Table.Th>
                    <Table.Th scope="col" className="num">HODL</Table.Th>
                    <Table.Th scope="col" className="num">Sharpe</Table.Th>
                    <Table.Th scope="col" className="num">Max DD</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {list.map((b) => {
                    const got = reports[b.backtest_id];
                    const r = got && "report" in got ? got.report : null;
                    return (
                      <Table.Tr key={b.backtest_id} data-backtest-id={b.backtest_id} data-state={b.state}>
                        <Table.Td>
                          <Checkbox aria-label={`Compare ${b.strategy} ${b.backtest_id}`} disabled={b.state !== "done"}
                                    checked={selected.includes(b.backtest_id)}
                                    onChange={() => setSelected(toggleSelection(selected, b.backtest_id))} />
                        </Table.Td>
                        <Table.Td>
                          <Text size="sm" fw={600}>{b.strategy}</Text>
                          <Text size="xs" c="dimmed" className="mono wrap-anywhere">{paramsText(b) || "defaults"}</Text>
                          <Text size="xs" c="dimmed" className="mono" title={b.backtest_id}>{b.backtest_id.slice(0, 12)}</Text>
                        </Table.Td>
                        <Table.Td>
                          <Text size="sm">{windowText(b)}</Text>
                          <Text size="xs" c="dimmed">{String(b.source.kind ?? "")}{b.latency_ms ? ` · ${b.latency_ms} ms` : ""}</Text>
                        </Table.Td>
                        <Table.Td>
                          <Group gap="xs" wrap="nowrap" align="flex-start">
                            <StateBadge state={b.state} detail={b.detail} />
                            {ACTIVE.has(b.state) && <BacktestProgress b={b} />}
                            {ACTIVE.has(b.state) && trader && (
                              <Button size="compact-xs" variant="light" color="red" loading={cancelling === b.backtest_id}
                                      onClick={() => void cancel(b.backtest_id)}>Cancel</Button>
                            )}
                          </Group>
                          {(b.state === "failed" || b.state === "cancelled") && b.detail && (
                            <Text size="xs" c="dimmed" className="wrap-anywhere">{b.detail}</Text>
                          )}
                          {actionError?.id === b.backtest_id && <ErrorNotice error={actionError.error} title="It could not be cancelled" />}
                        </Table.Td>
                        <Table.Td className="num mono">{r ? formatReturn(r.result.total_return) : got && "error" in got ? <span title={got.error}>?</span> : "—"}</Table.Td>
                        <Table.Td className="num mono">{r ? formatReturn(r.hodl.total_return) : "—"}</Table.Td>
                        <Table.Td className="num mono">{r ? formatRatio(r.result.sharpe) : "—"}</Table.Td>
                        <Table.Td className="num mono">{r ? formatDrawdown(r.result.max_drawdown) : "—"}</Table.Td>
                      </Table.Tr>
                    );
                  })}
                </Table.Tbody>
              </Table>
            </div>
          </section>
        )}
        {selected.length > 0 && (
          <section aria-labelledby="compare-title" data-testid="comparison">
            <Group justify="space-between" wrap="wrap">
              <Title order={2} size="h4" id="compare-title">
                {selected.length === 1 ? "Report" : `Comparing ${selected.length} backtests`}
              </Title>
              <Button size="xs" variant="subtle" onClick={() => setSelected([])}>Clear the selection</Button>
            </Group>
            {waiting.map((id) => {
              const got = reports[id];
              return got && "error" in got
                ? <ErrorNotice key={id} error={new Error(`The report of ${id} could not be read: ${got.error}`)} title="A report is missing" />
                : <Text key={id} size="sm" c="dimmed">Reading the report of <span className="mono">{id}</span>…</Text>;
            })}
            {compared.length > 0 && (
              <Stack gap="sm">
                <EquityChart label="Equity against HODL" height={300}
                             lines={compared.map((c) => ({ name: `${c.title} · ${c.id.slice(0, 12)}`, equity: c.report.equity, benchmark: c.report.benchmark }))} />
                <MetricsTable reports={compared} label="Backtests compared" />
                {compared.some((c) => c.report.notes.length > 0) && (
                  <div>
                    <Text size="sm" fw={600}>Notes</Text>
                    <ul className="error-fields">
                      {compared.flatMap((c) => c.report.notes.map((n, i) => (
                        <li key={`${c.id}-${i}`}><Text size="sm" component="span"><span className="mono">{c.id.slice(0, 12)}</span>: {n}</Text></li>
                      )))}
                    </ul>
                  </div>
                )}
              </Stack>
            )}
          </section>
        )}
      </Stack>
    </section>
  );
}
