import { Modal, Text } from "@mantine/core";
import { memo, useEffect, useRef, useState } from "react";
import { visibleRange } from "../messages/model";
import { cellText } from "./model";

/** Rows a line tall: the table draws only those in view, so a report of 100,000 rows costs what thirty do. */
export const ROW_HEIGHT = 34;

const GAP_REM = 0.75;
const MORE_REM = 2.25;

/** Each column's least width (rem) and share of what is left: times as wide as they are written, ids
 *  and descriptions wider than the rest. */
export function columnWidth(name: string): [number, number] {
  if (name === "time") return [15.5, 0];
  if (name === "what" || name === "detail") return [18, 3];
  if (/ids?$|_id$|^at$/.test(name)) return [12, 2];
  return [7, 1];
}

/** The grid's columns and the least width of a row (rem), past which the table scrolls sideways. */
export function gridOf(columns: readonly string[]): { template: string; minRem: number } {
  const widths = columns.map(columnWidth);
  const template = widths.map(([min, share]) => (share ? `minmax(${min}rem, ${share}fr)` : `${min}rem`)).join(" ");
  const minRem = widths.reduce((sum, [min]) => sum + min, MORE_REM) + GAP_REM * columns.length + 1;
  return { template: `${template} ${MORE_REM}rem`, minRem };
}

const Row = memo(function Row({ row, columns, template, index, onOpen }: {
  row: readonly unknown[]; columns: readonly string[]; template: string; index: number; onOpen: (index: number) => void;
}) {
  return (
    <div role="row" aria-rowindex={index + 2} className="audit-row audit-body-row" data-testid="audit-row"
         style={{ transform: `translateY(${index * ROW_HEIGHT}px)`, height: ROW_HEIGHT, gridTemplateColumns: template }}
         onClick={() => onOpen(index)}>
      {row.map((v, i) => {
        const text = cellText(v);
        return <span key={i} role="cell" className="audit-cell mono" title={text} data-column={columns[i]}>{text}</span>;
      })}
      <span role="cell" className="audit-cell">
        <button type="button" className="audit-more" aria-haspopup="dialog" aria-label={`Row ${index + 1} in full`}
                onClick={(e) => { e.stopPropagation(); onOpen(index); }}>⋯</button>
      </span>
    </div>
  );
});

/** A report's rows under its columns, in a virtual list; a row opens in full (every value, wrapped). */
export function ReportTable({ title, columns, rows }: {
  title: string; columns: readonly string[]; rows: readonly (readonly unknown[])[];
}) {
  const viewport = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(600);
  const [open, setOpen] = useState<number | null>(null);
  const frame = useRef(0);

  useEffect(() => {
    const el = viewport.current;
    if (!el) return;
    const observer = new ResizeObserver(() => setHeight(el.clientHeight));
    observer.observe(el);
    setHeight(el.clientHeight || 600);
    return () => observer.disconnect();
  }, []);
  useEffect(() => () => cancelAnimationFrame(frame.current), []);
  useEffect(() => {
    if (viewport.current) viewport.current.scrollTop = 0;
    setScrollTop(0);
    setOpen(null);
  }, [rows]);

  const onScroll = () => {
    cancelAnimationFrame(frame.current);
    frame.current = requestAnimationFrame(() => setScrollTop(viewport.current?.scrollTop ?? 0));
  };
  const { template, minRem } = gridOf(columns);
  const { start, end } = visibleRange(scrollTop, height, ROW_HEIGHT, rows.length);
  const drawn = [];
  for (let i = start; i < end; i++) {
    drawn.push(<Row key={i} row={rows[i]!} columns={columns} template={template} index={i} onOpen={setOpen} />);
  }
  const shown = open !== null ? rows[open] : undefined;
  // Visible rows only would scroll sideways without their header: header and rows share one scroller.
  return (
    <>
      <div className="audit-table-scroll">
        <div role="table" aria-label={title} aria-rowcount={rows.length + 1} className="audit-table"
             data-testid="audit-table" data-count={rows.length} style={{ minWidth: `${minRem}rem` }}>
          <div role="rowgroup" className="audit-head">
            <div role="row" aria-rowindex={1} className="audit-row" style={{ gridTemplateColumns: template }}>
              {columns.map((c) => <span key={c} role="columnheader" className="audit-cell">{c}</span>)}
              <span role="columnheader" className="audit-cell"><span className="visually-hidden">In full</span></span>
            </div>
          </div>
          {/* Focusable so the keyboard scrolls it (arrows, Page Up/Down, Home/End). */}
          <div role="rowgroup" ref={viewport} className="audit-viewport" tabIndex={0} onScroll={onScroll}
               aria-label={`${title}: rows`} style={{ height: rows.length * ROW_HEIGHT + 2 }}>
            <div className="audit-spacer" style={{ height: rows.length * ROW_HEIGHT }}>{drawn}</div>
          </div>
        </div>
      </div>
      <Modal opened={shown !== undefined} onClose={() => setOpen(null)} title={`Row ${(open ?? 0) + 1} of ${rows.length}`}
             size="lg">
        {shown && (
          <dl className="audit-row-full">
            {columns.map((c, i) => (
              <div key={c}><dt>{c}</dt><dd className="mono wrap-anywhere">{cellText(shown[i])}</dd></div>
            ))}
          </dl>
        )}
        {!shown && <Text size="sm">No row.</Text>}
      </Modal>
    </>
  );
}
