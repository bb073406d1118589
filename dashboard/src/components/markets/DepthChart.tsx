import { Text } from "@mantine/core";
import { useMemo } from "react";
import uPlot from "uplot";
import { UPlotChart } from "../../charts/UPlotChart";
import { formatNumber } from "../../lib/format";
import { depthOf, type Level } from "./model";

export const BID_COLOUR = "#2f9e44";
export const ASK_COLOUR = "#e03131";

const stepped = uPlot.paths.stepped!;

/** Cumulative size by price: bids (green) from the best bid down, asks (red) from the best ask up. */
export function DepthChart({ bids, asks, label, height = 220 }: {
  bids: readonly Level[]; asks: readonly Level[]; label: string; height?: number;
}) {
  const depth = useMemo(() => depthOf(bids, asks), [bids, asks]);
  const options = useMemo<Omit<uPlot.Options, "width" | "height">>(() => ({
    scales: { x: { time: false }, y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.05 : 1] } },
    axes: [{ values: (_u, ticks) => ticks.map(formatNumber) }, { size: 56, values: (_u, ticks) => ticks.map(formatNumber) }],
    series: [
      { label: "price", value: (_u, v) => (v == null ? "—" : formatNumber(v)) },
      { label: "bids", stroke: BID_COLOUR, fill: "rgba(47, 158, 68, 0.2)", width: 2, paths: stepped({ align: -1 }),
        points: { show: false }, value: (_u, v) => (v == null ? "—" : formatNumber(v)) },
      { label: "asks", stroke: ASK_COLOUR, fill: "rgba(224, 49, 49, 0.2)", width: 2, paths: stepped({ align: 1 }),
        points: { show: false }, value: (_u, v) => (v == null ? "—" : formatNumber(v)) },
    ],
  }), []);
  const data = useMemo(() => [depth.xs, depth.bids, depth.asks] as uPlot.AlignedData, [depth]);
  if (!depth.xs.length) return <Text c="dimmed" size="sm">The book is empty.</Text>;
  return (
    <div data-testid="depth-chart" data-levels={depth.xs.length}>
      <UPlotChart options={options} data={data} height={height}
                  label={`${label}: cumulative size by price, ${bids.length} bid and ${asks.length} ask levels`} />
    </div>
  );
}
