import { Table, Text } from "@mantine/core";
import { bestOf, METRIC_ROWS, type Report } from "./model";

export interface ComparedReport {
  id: string;
  /** The column's heading: what tells this report apart (strategy and parameters, window). */
  title: string;
  subtitle?: string;
  report: Report;
}

/** Reports side by side: one column each, one row per figure, the best of each ranked row in bold. */
export function MetricsTable({ reports, label }: { reports: readonly ComparedReport[]; label: string }) {
  const list = reports.map((r) => r.report);
  return (
    <div className="table-scroll">
      <Table aria-label={label} className="compact report-metrics" data-testid="metrics-table" withColumnBorders>
        <Table.Thead>
          <Table.Tr>
            <Table.Th scope="col">Figure</Table.Th>
            {reports.map((r) => (
              <Table.Th scope="col" key={r.id} className="num" data-backtest-id={r.id}>
                <span className="report-col-title">{r.title}</span>
                {r.subtitle && <Text size="xs" c="dimmed" component="span" className="report-col-sub">{r.subtitle}</Text>}
              </Table.Th>
            ))}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {METRIC_ROWS.map((row) => {
            const best = bestOf(row, list);
            return (
              <Table.Tr key={row.key} data-metric={row.key}>
                <Table.Th scope="row" title={row.hint}>{row.label}</Table.Th>
                {reports.map((r, i) => (
                  <Table.Td key={r.id} className={`num mono${best.has(i) ? " report-best" : ""}`}
                            aria-label={best.has(i) ? `${row.value(r.report)}, best` : undefined}>
                    {row.value(r.report)}
                  </Table.Td>
                ))}
              </Table.Tr>
            );
          })}
        </Table.Tbody>
      </Table>
    </div>
  );
}
