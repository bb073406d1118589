import { Text } from "@mantine/core";
import { useMemo, useRef } from "react";
import type uPlot from "uplot";
import { PALETTE, UPlotChart } from "../charts/UPlotChart";
import { secondsFromTs } from "../lib/format";
import { extendLineModel, type LineCache } from "./model";
import type { WidgetProps } from "./types";

/** Series over x (spec.x, "ts" for event time): the whole series, or one point per update (spec.append);
 *  an appending chart takes each batch's new points onto its columns (extendLineModel), and the chart,
 *  made once, is given them with setData. */
export function LineChartWidget({ widget }: WidgetProps) {
  const cache = useRef<LineCache | null>(null);
  const model = useMemo(() => {
    cache.current = extendLineModel(cache.current, widget.spec, widget.data, widget.history, secondsFromTs);
    return cache.current.model;
  }, [widget.spec, widget.data, widget.history]);
  const names = model.series.map((s) => s.name).join(",");
  const options = useMemo<Omit<uPlot.Options, "width" | "height">>(() => ({
    // One point has no span: show a minute (or one unit) around it rather than uPlot's years.
    scales: { x: { time: model.time, range: (_u, min, max) => (min === max ? [min - (model.time ? 60 : 1), max + (model.time ? 60 : 1)] : [min, max]) } },
    series: [{}, ...model.series.map((s, i) => ({ label: s.name, stroke: PALETTE[i % PALETTE.length], width: 2 }))],
  // eslint-disable-next-line react-hooks/exhaustive-deps
  }), [names, model.time]);
  const data = useMemo(() => [model.xs, ...model.series.map((s) => s.values)] as uPlot.AlignedData, [model]);
  if (!model.xs.length) return <Text c="dimmed" size="sm">No points yet.</Text>;
  const title = typeof widget.spec.title === "string" ? widget.spec.title : widget.componentId;
  return <UPlotChart options={options} data={data} label={`${title}: ${model.series.length} series, ${model.xs.length} points`} />;
}
