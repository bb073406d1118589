import { Text } from "@mantine/core";
import { useMemo } from "react";
import type uPlot from "uplot";
import type { Candle } from "../../api/markets";
import { UPlotChart } from "../../charts/UPlotChart";
import { formatNumber } from "../../lib/format";
import { candleColumns, candleShape, priceRange, volumeRange } from "./model";

const UP = "#2f9e44";
const DOWN = "#e03131";
const VOLUME = "rgba(134, 142, 150, 0.45)";

const none = () => null; // uPlot draws no line for these series: the draw hook draws the candles
const shown = (_u: uPlot, v: number | null) => (v == null ? "—" : formatNumber(v));

/** Volume bars along the bottom, then the candles (wick high to low, body open to close, green when
 *  it closed at or above its open), in the plot's canvas pixels. uPlot has no candlestick series:
 *  the series carry the values (for the scales and the legend) and this hook draws them. */
function drawCandles(widthS: number) {
  return (u: uPlot) => {
    const [xs, open, high, low, close, volume] = u.data as unknown as number[][];
    if (!xs?.length) return;
    const ctx = u.ctx;
    const { left, top, width, height } = u.bbox;
    ctx.save();
    ctx.beginPath();
    ctx.rect(left, top, width, height);
    ctx.clip();
    const y = (p: number) => u.valToPos(p, "y", true);
    const base = u.valToPos(0, "vol", true);
    let drawn = 0;
    for (let i = 0; i < xs.length; i++) {
      const x = u.valToPos(xs[i]!, "x", true);
      const bucket = u.valToPos(xs[i]! + widthS, "x", true) - x;
      if (x + bucket < left || x > left + width) continue;
      const s = candleShape(x, bucket, open![i]!, high![i]!, low![i]!, close![i]!, y);
      const v = u.valToPos(volume![i]!, "vol", true);
      ctx.fillStyle = VOLUME;
      ctx.fillRect(s.left, v, s.width, Math.max(0, base - v));
      const colour = s.up ? UP : DOWN;
      ctx.strokeStyle = colour;
      ctx.lineWidth = Math.max(1, Math.round(devicePixelRatio));
      ctx.beginPath();
      ctx.moveTo(s.centre, s.wickTop);
      ctx.lineTo(s.centre, s.wickBottom);
      ctx.stroke();
      ctx.fillStyle = colour;
      ctx.fillRect(s.left, s.top, s.width, s.height);
      drawn++;
    }
    ctx.restore();
    u.root.dataset.candlesDrawn = String(drawn); // what the browser test reads: candles on the canvas
  };
}

/** OHLC candlesticks with volume for one window of the archive's trades; `span` (seconds since the
 *  epoch) is the whole window asked for, so a window with few trades shows where they fall in it. */
export function Candles({ candles, widthS, span, label, height = 300 }: {
  candles: readonly Candle[]; widthS: number; span: readonly [number, number]; label: string; height?: number;
}) {
  const [from, to] = span;
  const cols = useMemo(() => candleColumns(candles), [candles]);
  const options = useMemo<Omit<uPlot.Options, "width" | "height">>(() => ({
    scales: {
      x: { time: true, range: () => [from, to] },
      y: { range: (u) => priceRange(u.data[3] as number[], u.data[2] as number[]) },
      vol: { range: (u) => volumeRange(u.data[5] as number[]) },
    },
    axes: [{}, { size: 64, values: (_u, ticks) => ticks.map(formatNumber) }],
    series: [
      {},
      { label: "open", scale: "y", paths: none, points: { show: false }, stroke: "#495057", value: shown },
      { label: "high", scale: "y", paths: none, points: { show: false }, stroke: UP, value: shown },
      { label: "low", scale: "y", paths: none, points: { show: false }, stroke: DOWN, value: shown },
      { label: "close", scale: "y", paths: none, points: { show: false }, stroke: "#1c7ed6", value: shown },
      { label: "volume", scale: "vol", paths: none, points: { show: false }, stroke: VOLUME, value: shown },
    ],
    hooks: { draw: [drawCandles(widthS)] },
  }), [widthS, from, to]);
  const data = useMemo(() => cols as unknown as uPlot.AlignedData, [cols]);
  if (!candles.length) return <Text c="dimmed" size="sm">No trade in the archive for this window.</Text>;
  return (
    <div data-testid="candles" data-candles={candles.length}>
      <UPlotChart options={options} data={data} height={height}
                  label={`${label}: ${candles.length} candles with volume`} />
    </div>
  );
}
