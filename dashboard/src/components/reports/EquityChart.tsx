import { Text } from "@mantine/core";
import { useMemo } from "react";
import type uPlot from "uplot";
import { PALETTE, UPlotChart } from "../../charts/UPlotChart";
import { alignCurves, formatElapsed, normalise, type CurvePoint } from "./model";

export interface EquityLine {
  name: string;
  equity: readonly CurvePoint[];
  /** Its HODL benchmark, drawn dashed in the same colour. */
  benchmark?: readonly CurvePoint[];
}

/** Equity curves against HODL on one chart, each normalised to 1.0 at its start (so runs of different
 *  sizes and windows compare); curves of different windows are laid over each other from their starts. */
export function EquityChart({ lines, height = 260, label, compact = false }: {
  lines: readonly EquityLine[]; height?: number; label: string; compact?: boolean;
}) {
  const aligned = useMemo(() => {
    const curves = lines.flatMap((l) => [
      { name: l.name, points: normalise(l.equity) },
      ...(l.benchmark?.length ? [{ name: `${l.name} HODL`, points: normalise(l.benchmark), dashed: true }] : []),
    ]);
    return alignCurves(curves);
  }, [lines]);
  const colourOf = useMemo(() => {
    const byLine = new Map(lines.map((l, i) => [l.name, PALETTE[i % PALETTE.length]!]));
    return (name: string) => byLine.get(name.replace(/ HODL$/, "")) ?? PALETTE[0]!;
  }, [lines]);
  const key = `${aligned.mode}|${aligned.names.join("|")}|${compact}`;
  const options = useMemo<Omit<uPlot.Options, "width" | "height">>(() => ({
    legend: { show: !compact },
    cursor: { show: !compact },
    scales: {
      x: { time: aligned.mode === "time", range: (_u, min, max) => (min === max ? [min - 60, max + 60] : [min, max]) },
      y: { range: (_u, min, max) => { const pad = Math.max((max - min) * 0.05, 0.001); return [min - pad, max + pad]; } },
    },
    axes: [
      aligned.mode === "time" ? {} : { values: (_u, ticks) => ticks.map(formatElapsed) },
      { size: compact ? 52 : 60 }, // uPlot's own tick labels carry as many decimals as the ticks' spacing needs
    ],
    series: [
      { label: aligned.mode === "time" ? "time" : "since start", value: aligned.mode === "time" ? undefined : (_u, v) => (v == null ? "—" : formatElapsed(v)) },
      ...aligned.names.map((name, i) => ({
        label: name, stroke: colourOf(name), width: aligned.dashed[i] ? 1.5 : 2,
        dash: aligned.dashed[i] ? [6, 4] : undefined, spanGaps: true,
        value: (_u: uPlot, v: number | null) => (v == null ? "—" : v.toFixed(4)),
      })),
    ],
  // eslint-disable-next-line react-hooks/exhaustive-deps
  }), [key, colourOf]);
  const data = useMemo(() => [aligned.xs, ...aligned.values] as uPlot.AlignedData, [aligned]);
  if (!aligned.xs.length) return <Text c="dimmed" size="sm">No equity samples to draw.</Text>;
  const runs = lines.map((l) => l.name).join(", ");
  return (
    <div data-testid="equity-chart" data-series={aligned.names.length}>
      <UPlotChart options={options} data={data} height={height}
                  label={`${label}: equity of ${runs} against HODL (dashed), 1.0 at the start; ${aligned.xs.length} samples`} />
    </div>
  );
}
