import { Button, Card, Group, Stack, Table, Text, Title } from "@mantine/core";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { Link } from "react-router";
import { ApiError, messageOf } from "../api/errors";
import { accounts as api, reports as reportsApi, type Fill, type Valued } from "../api/reports";
import type { Amount, RunSummary, WalletSet } from "../api/types";
import { ErrorNotice } from "../components/ErrorNotice";
import { PageHeader } from "../components/PageHeader";
import { StateBadge } from "../components/StateBadge";
import { Distribution } from "../components/reports/Distribution";
import { EquityChart } from "../components/reports/EquityChart";
import { distribution, formatDrawdown, formatReturn, formatUsd, parseReport, pricesFromValue, type DistributionRow, type Report } from "../components/reports/model";
import "../components/reports/reports.css";
import { formatTime } from "../lib/format";
import { useLoad } from "../lib/useLoad";
import { runPath } from "../routes";
import { grantedAccounts, useStore } from "../store/store";

const RELOAD_AFTER_EVENT_MS = 1500; // wallet and fill events come in bursts
const REPORTS_EVERY_MS = 60_000; // a paper run's report is computed from the archive: not on every event
const MAX_REPORTS = 12;
const FILLS_SHOWN = 30;

interface AccountView {
  sets: WalletSet[];
  unallocated: Amount[];
  value: Valued[];
  fills: Fill[];
}

/** Read again (at most once per `delay`) after the store's wallet or activity changes. */
function useEventReload(reload: () => void, delay: number) {
  const walletsVersion = useStore((s) => s.walletsVersion);
  const latest = useStore((s) => s.activity[0]);
  const seen = useRef({ walletsVersion, latest });
  useEffect(() => {
    if (seen.current.walletsVersion === walletsVersion && seen.current.latest === latest) return;
    const timer = setTimeout(() => {
      seen.current = { walletsVersion, latest };
      reload();
    }, delay);
    return () => clearTimeout(timer);
  }, [walletsVersion, latest, reload, delay]);
}

function AccountOverview({ account, runs }: { account: string; runs: readonly RunSummary[] }) {
  const [view, setView] = useState<AccountView | null>(null);
  const read = useCallback(async () => {
    const [sets, unallocated, value, fills] = await Promise.all([
      api.sets(account), api.unallocated(account), api.value(account), api.fills(account, FILLS_SHOWN),
    ]);
    setView({ sets, unallocated, value, fills });
  }, [account]);
  const load = useLoad(read, [read]);
  const quiet = useCallback(() => { void read().catch(() => undefined); }, [read]);
  useEventReload(quiet, RELOAD_AFTER_EVENT_MS);

  const dist = useMemo(() => view && distribution(view.unallocated, view.sets, pricesFromValue(view.value)), [view]);
  const runOf = (setId: string) => view?.sets.find((s) => s.wallet_set_id === setId)?.run_id ?? "";
  const totals = useMemo(() => {
    if (!dist) return null;
    const rows = dist.rows;
    const sum = (f: (r: DistributionRow) => number | null) =>
      rows.reduce<number | null>((acc, r) => (acc === null || f(r) === null ? null : acc + f(r)!), 0);
    return { allocated: sum((r) => r.usdAllocated), unallocated: sum((r) => r.usdUnallocated) };
  }, [dist]);
  const strategyOf = (runId: string) => runs.find((r) => r.run_id === runId)?.strategy;

  return (
    <Card withBorder padding="sm" component="section" aria-labelledby={`acct-${account}`} data-account={account}>
      <Group justify="space-between" wrap="wrap" mb="xs">
        <Title order={2} size="h4" id={`acct-${account}`}>Account <span className="mono">{account}</span></Title>
        <Button variant="default" size="xs" onClick={load.reload} loading={load.loading}>Refresh</Button>
      </Group>
      <ErrorNotice error={load.error} onRetry={load.reload} title={`The funds of ${account} could not be read`} />
      {view && dist && (
        <Stack gap="md">
          <section aria-labelledby={`dist-${account}`}>
            <Title order={3} size="h5" id={`dist-${account}`}>Where the funds are</Title>
            {totals && (
              <dl className="facts compact">
                <div><dt>Allocated to runs</dt><dd className="mono" data-testid="allocated-usd">{formatUsd(totals.allocated)}</dd></div>
                <div><dt>Unallocated</dt><dd className="mono" data-testid="unallocated-usd">{formatUsd(totals.unallocated)}</dd></div>
                <div><dt>Active wallet sets</dt><dd>{dist.setIds.length}</dd></div>
              </dl>
            )}
            <Distribution account={account} rows={dist.rows} setIds={dist.setIds} runOf={runOf} />
          </section>
          <section aria-labelledby={`fills-${account}`}>
            <Title order={3} size="h5" id={`fills-${account}`}>Recent trades</Title>
            {view.fills.length === 0 ? <Text c="dimmed" size="sm">No fills yet.</Text> : (
              <div className="table-scroll">
                <Table aria-label={`Recent fills of ${account}`} className="compact" striped data-testid="fills">
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th scope="col">Time</Table.Th><Table.Th scope="col">Run</Table.Th>
                      <Table.Th scope="col">Market</Table.Th><Table.Th scope="col">Side</Table.Th>
                      <Table.Th scope="col" className="num">Price</Table.Th><Table.Th scope="col" className="num">Size</Table.Th>
                      <Table.Th scope="col" className="num">Fee</Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {view.fills.map((f) => (
                      <Table.Tr key={f.fill_id}>
                        <Table.Td className="nowrap">{formatTime(f.time)}</Table.Td>
                        <Table.Td>
                          {f.run_id ? <Link to={runPath(f.run_id)} className="mono">{f.run_id.slice(0, 12)}</Link> : "—"}
                          {f.run_id && strategyOf(f.run_id) && <Text size="xs" c="dimmed" component="span"> {strategyOf(f.run_id)}</Text>}
                        </Table.Td>
                        <Table.Td className="nowrap">{f.venue} {f.pair}</Table.Td>
                        <Table.Td>{f.side}</Table.Td>
                        <Table.Td className="num mono">{f.price}</Table.Td>
                        <Table.Td className="num mono">{f.size}</Table.Td>
                        <Table.Td className="num mono">{f.fee} {f.fee_currency}</Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </div>
            )}
          </section>
        </Stack>
      )}
    </Card>
  );
}

type Got = { report: Report } | { error: unknown };

function RunPerformance({ run, got }: { run: RunSummary; got: Got | undefined }) {
  const r = got && "report" in got ? got.report : null;
  const missing = got && "error" in got ? got.error : null;
  return (
    <Card withBorder padding="sm" component="article" aria-labelledby={`perf-${run.run_id}`} data-testid="run-performance" data-run-id={run.run_id}>
      <Group justify="space-between" wrap="nowrap" gap="xs">
        <Title order={3} size="h6" id={`perf-${run.run_id}`} className="wrap-anywhere">
          <Link to={runPath(run.run_id)} className="mono">{run.run_id.slice(0, 12)}</Link> {run.strategy}
        </Title>
        <StateBadge state={run.state} detail={run.detail} />
      </Group>
      <Text size="xs" c="dimmed">{run.account} · started {formatTime(run.started)}</Text>
      {!got && <Text size="sm" c="dimmed">Reading its report…</Text>}
      {missing != null && (
        <Text size="sm" c="dimmed" data-testid="no-report">
          {missing instanceof ApiError && missing.status === 404 ? `No report yet: ${messageOf(missing)}` : `Its report could not be read: ${messageOf(missing)}`}
        </Text>
      )}
      {r && (
        <>
          <dl className="facts compact">
            <div><dt>Return</dt><dd className="mono" data-testid="run-return">{formatReturn(r.result.total_return)}</dd></div>
            <div><dt>HODL</dt><dd className="mono">{formatReturn(r.hodl.total_return)}</dd></div>
            <div><dt>Max drawdown</dt><dd className="mono">{formatDrawdown(r.result.max_drawdown)}</dd></div>
            <div><dt>Fills</dt><dd className="mono">{r.fills}</dd></div>
          </dl>
          <EquityChart compact height={140} label={`Run ${run.run_id}`}
                       lines={[{ name: run.strategy || run.run_id.slice(0, 8), equity: r.equity, benchmark: r.benchmark }]} />
        </>
      )}
    </Card>
  );
}

/** Across runs: per account where the funds are (allocated to runs against the pool, per venue and
 *  currency) and its recent trades; per paper run its performance against HODL. */
export default function OverviewPage() {
  const me = useStore((s) => s.me);
  const granted = grantedAccounts(me);
  const [runs, setRuns] = useState<RunSummary[]>([]);
  const [got, setGot] = useState<Record<string, Got>>({});
  const readRuns = useCallback(async () => {
    const list = await reportsApi.paperRuns(null, 100);
    const mine = granted === null ? list : list.filter((r) => granted.includes(r.account));
    setRuns(mine);
    const shown = mine.slice(0, MAX_REPORTS);
    const answers = await Promise.all(shown.map(async (run): Promise<[string, Got]> => {
      try {
        const report = parseReport((await reportsApi.ofRun(run.run_id)).report);
        return [run.run_id, report ? { report } : { error: new Error("its report is in a shape this dashboard does not read") }];
      } catch (e) {
        return [run.run_id, { error: e }];
      }
    }));
    setGot(Object.fromEntries(answers));
  // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [granted?.join(",")]);
  const load = useLoad(readRuns, [readRuns]);
  useEffect(() => {
    const timer = setInterval(() => { void readRuns().catch(() => undefined); }, REPORTS_EVERY_MS);
    return () => clearInterval(timer);
  }, [readRuns]);

  // A principal granted every account sees the accounts its paper runs use.
  const shownAccounts = useMemo(
    () => granted ?? [...new Set(runs.map((r) => r.account))].filter(Boolean).sort(),
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [granted?.join(","), runs],
  );

  return (
    <section aria-labelledby="page-title">
      <PageHeader title={<span id="page-title">Overview</span>}>
        <Button variant="default" size="xs" onClick={load.reload} loading={load.loading}>Refresh reports</Button>
      </PageHeader>
      <Stack gap="lg">
        {shownAccounts.length === 0 && !load.loading && (
          <Text c="dimmed">{granted ? `No account is granted to ${me?.user}.` : "No paper run names an account yet."}</Text>
        )}
        {shownAccounts.map((a) => <AccountOverview key={a} account={a} runs={runs} />)}
        <section aria-labelledby="perf-title">
          <Title order={2} size="h4" id="perf-title">Paper runs against HODL</Title>
          <ErrorNotice error={load.error} onRetry={load.reload} title="The runs could not be read" />
          {!load.loading && !load.error && runs.length === 0 && <Text c="dimmed" size="sm">No paper runs yet.</Text>}
          {runs.length > MAX_REPORTS && <Text size="xs" c="dimmed">The newest {MAX_REPORTS} of {runs.length} runs.</Text>}
          <div className="report-grid">
            {runs.slice(0, MAX_REPORTS).map((r) => <RunPerformance key={r.run_id} run={r} got={got[r.run_id]} />)}
          </div>
        </section>
      </Stack>
    </section>
  );
}
