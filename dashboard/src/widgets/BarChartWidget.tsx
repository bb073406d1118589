import { Text } from "@mantine/core";
import { useMemo } from "react";
import { PALETTE } from "../charts/UPlotChart";
import { formatCell, formatNumber, formatPercent } from "../lib/format";
import { barModel } from "./model";
import type { WidgetProps } from "./types";

/** Grouped bars, one group per category (spec.assets), one bar per series (spec.series); drawn in HTML
 *  (few bars, readable by a screen reader as they are). The data's other fields are listed below. */
export function BarChartWidget({ widget }: WidgetProps) {
  const model = useMemo(() => barModel(widget.spec, widget.data), [widget.spec, widget.data]);
  const all = model.series.flatMap((s) => s.values).filter((v): v is number => v !== null);
  const scale = Math.max(model.percent ? 1 : 0, ...all.map(Math.abs)) || 1;
  const show = (v: number) => (model.percent ? formatPercent(v) : formatNumber(v));
  if (!model.series.length) return <Text c="dimmed" size="sm">No values yet.</Text>;
  return (
    <div className="bars">
      <ul className="bars-legend" aria-label="Series">
        {model.series.map((s, i) => (
          <li key={s.name}><span className={`swatch swatch-${i % PALETTE.length}`} aria-hidden="true" />{s.name}</li>
        ))}
      </ul>
      <dl className="bars-groups">
        {model.categories.map((c, ci) => (
          <div key={c} className="bars-group">
            <dt style={{ gridRow: `span ${model.series.length}` }}>{c}</dt>
            {model.series.map((s, si) => {
              const v = s.values[ci];
              return (
                <dd key={s.name} className="bars-row">
                  <span className="visually-hidden">{s.name}: </span>
                  <span className="bars-track" aria-hidden="true">
                    {v != null && <span className={`bars-bar swatch-${si % PALETTE.length}`} style={{ width: `${(Math.abs(v) / scale) * 100}%` }} />}
                  </span>
                  <span className="bars-value">{v == null ? "—" : show(v)}</span>
                </dd>
              );
            })}
          </div>
        ))}
      </dl>
      {model.extras.length > 0 && (
        <dl className="extras">
          {model.extras.map(([k, v]) => (
            <div key={k}><dt>{k.replaceAll("_", " ")}</dt><dd>{formatCell(v)}</dd></div>
          ))}
        </dl>
      )}
    </div>
  );
}
