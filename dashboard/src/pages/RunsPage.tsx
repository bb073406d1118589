import { Button, Table, Text } from "@mantine/core";
import { useMemo } from "react";
import { Link } from "react-router";
import { ErrorNotice } from "../components/ErrorNotice";
import { PageHeader } from "../components/PageHeader";
import { RunReturn } from "../components/runs/RunReturn";
import { StateBadge } from "../components/StateBadge";
import { formatTime } from "../lib/format";
import { useLoad } from "../lib/useLoad";
import { newRunPath, runPath } from "../routes";
import { mayTrade, useStore } from "../store/store";

/** The landing page: recent runs with their state and return (figures in its tooltip), newest first, each linking to its page, and the way
 *  to start one (/runs/new). */
export default function RunsPage() {
  const loadRuns = useStore((s) => s.loadRuns);
  const runsById = useStore((s) => s.runs);
  const load = useLoad(loadRuns, [loadRuns]);
  const canStart = mayTrade(useStore((s) => s.me));
  const runs = useMemo(
    () => Object.values(runsById).sort((a, b) => (b.started ?? "").localeCompare(a.started ?? "") || a.run_id.localeCompare(b.run_id)),
    [runsById],
  );

  return (
    <section aria-labelledby="page-title">
      <PageHeader title={<span id="page-title">Runs</span>}>
        {canStart && <Button component={Link} to={newRunPath} size="xs">Start a run</Button>}
        <Button variant="default" size="xs" onClick={load.reload} loading={load.loading}>Refresh</Button>
      </PageHeader>
      <ErrorNotice error={load.error} onRetry={load.reload} title="Runs could not be read" />
      {!load.loading && !load.error && runs.length === 0 && (
        <Text c="dimmed">No runs yet. {canStart ? <><Link to={newRunPath}>Start one</Link>, or use</> : "Start one with"} <code>cryptick demo</code> or <code>POST /runs</code>.</Text>
      )}
      {runs.length > 0 && (
        <div className="table-scroll">
          <Table striped highlightOnHover aria-label="Runs" data-testid="runs-table">
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">Run</Table.Th>
                <Table.Th scope="col">Strategy</Table.Th>
                <Table.Th scope="col">Mode</Table.Th>
                <Table.Th scope="col">Account</Table.Th>
                <Table.Th scope="col">State</Table.Th>
                <Table.Th scope="col">Started</Table.Th>
                <Table.Th scope="col" ta="right">Return</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {runs.map((r) => (
                <Table.Tr key={r.run_id} data-run-id={r.run_id}>
                  <Table.Td><Link to={runPath(r.run_id)} className="mono">{r.run_id}</Link></Table.Td>
                  <Table.Td>{r.strategy || "—"}</Table.Td>
                  <Table.Td>{r.mode || "—"}</Table.Td>
                  <Table.Td>{r.account || "—"}</Table.Td>
                  <Table.Td><StateBadge state={r.state} detail={r.detail} /></Table.Td>
                  <Table.Td>{formatTime(r.started)}</Table.Td>
                  <Table.Td ta="right"><RunReturn performance={r.performance} /></Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </div>
      )}
    </section>
  );
}
