import { Badge, Button, SegmentedControl, Table, Text } from "@mantine/core";
import { useMemo, useState } from "react";
import { ErrorNotice } from "../components/ErrorNotice";
import { PageHeader } from "../components/PageHeader";
import { formatTime } from "../lib/format";
import { useLoad } from "../lib/useLoad";
import { useStore } from "../store/store";

const RANK: Record<string, number> = { debug: 0, info: 1, warning: 2, error: 3, critical: 4 };
const LEVEL_COLOUR: Record<string, string> = { warning: "orange", error: "red", critical: "red" };
const SHOWN = 500; // the newest; long lists get virtualised with the orders page

/** The services' notices (GET /logs), newest first, live from the `notices` stream. */
export default function LogsPage() {
  const loadNotices = useStore((s) => s.loadNotices);
  const notices = useStore((s) => s.notices);
  const load = useLoad(loadNotices, [loadNotices]);
  const [level, setLevel] = useState("info");
  const shown = useMemo(
    () => notices.filter((n) => (RANK[n.level] ?? 3) >= (RANK[level] ?? 1)).slice(-SHOWN).reverse(),
    [notices, level],
  );

  return (
    <section aria-labelledby="page-title">
      <PageHeader title={<span id="page-title">Logs</span>}>
        <SegmentedControl size="xs" value={level} onChange={setLevel} aria-label="Lowest level shown"
                          data={[{ value: "info", label: "Info" }, { value: "warning", label: "Warnings" }, { value: "error", label: "Errors" }]} />
        <Button variant="default" size="xs" onClick={load.reload} loading={load.loading}>Refresh</Button>
      </PageHeader>
      <ErrorNotice error={load.error} onRetry={load.reload} title="Logs could not be read" />
      {!load.loading && shown.length === 0 && <Text c="dimmed">No notices.</Text>}
      {shown.length > 0 && (
        <div className="table-scroll">
          <Table aria-label="Service notices" data-testid="notices-table" className="compact">
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">Time</Table.Th><Table.Th scope="col">Level</Table.Th>
                <Table.Th scope="col">Service</Table.Th><Table.Th scope="col">Message</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {shown.map((n, i) => (
                <Table.Tr key={`${n.time}-${i}-${n.message.length}`}>
                  <Table.Td className="nowrap">{formatTime(n.time)}</Table.Td>
                  <Table.Td><Badge size="sm" variant="light" color={LEVEL_COLOUR[n.level] ?? "gray"}>{n.level}</Badge></Table.Td>
                  <Table.Td>{n.service}{n.venue ? ` · ${n.venue}` : ""}</Table.Td>
                  <Table.Td className="wrap-anywhere">{n.message}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </div>
      )}
    </section>
  );
}
