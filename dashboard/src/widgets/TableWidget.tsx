import { Text } from "@mantine/core";
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
      {/* plain rows: a table component may change many times a second */}
      <table className="plain-table compact" aria-label={str(widget.spec.title) || widget.componentId}>
        <thead>
          <tr>{model.columns.map((c) => <th key={c} scope="col">{c.replaceAll("_", " ")}</th>)}</tr>
        </thead>
        <tbody>
          {rows.map((row, i) => (
            <tr key={i}>
              {(model.columns.length ? model.columns : row).map((_, j) => (
                <td key={j} className={typeof row[j] === "number" ? "num mono" : undefined}>{formatCell(row[j])}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      {model.rows.length > SHOWN_ROWS && <Text size="xs" c="dimmed">The newest {SHOWN_ROWS} of {model.rows.length} rows.</Text>}
    </div>
  );
}
