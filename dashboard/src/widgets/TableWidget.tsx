import { Table, Text } from "@mantine/core";
import { useMemo } from "react";
import { formatCell } from "../lib/format";
import { tableModel } from "./model";
import { str, type WidgetProps } from "./types";

const SHOWN_ROWS = 200; // until long tables are virtualised (@tanstack/react-virtual, with the orders page)

/** Rows under spec.columns: data {rows: [...]} replaces them; a single row per update is prepended. */
export function TableWidget({ widget }: WidgetProps) {
  const model = useMemo(() => tableModel(widget.spec, widget.data, widget.history),
                        [widget.spec, widget.data, widget.history]);
  if (!model.rows.length) return <Text c="dimmed" size="sm">No rows yet.</Text>;
  const rows = model.rows.slice(0, SHOWN_ROWS);
  return (
    <div className="table-scroll widget-table">
      <Table striped className="compact" aria-label={str(widget.spec.title) || widget.componentId}>
        <Table.Thead>
          <Table.Tr>{model.columns.map((c) => <Table.Th key={c} scope="col">{c.replaceAll("_", " ")}</Table.Th>)}</Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map((row, i) => (
            <Table.Tr key={i}>
              {(model.columns.length ? model.columns : row).map((_, j) => (
                <Table.Td key={j} className={typeof row[j] === "number" ? "num mono" : undefined}>{formatCell(row[j])}</Table.Td>
              ))}
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {model.rows.length > SHOWN_ROWS && <Text size="xs" c="dimmed">The newest {SHOWN_ROWS} of {model.rows.length} rows.</Text>}
    </div>
  );
}
