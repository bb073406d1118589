// uPlot in React: made once per `options`, fed new data with setData (no re-creation per update), and
// sized to its container. uPlot sets its sizes through element.style (CSSOM), which the CSP allows.
import { useEffect, useRef } from "react";
import uPlot from "uplot";

export const PALETTE = ["#1c7ed6", "#e8590c", "#2f9e44", "#ae3ec9", "#f08c00", "#0c8599", "#c2255c", "#5c7cfa", "#66a80f", "#868e96"];

export interface UPlotChartProps {
  options: Omit<uPlot.Options, "width" | "height">;
  data: uPlot.AlignedData;
  height?: number;
  /** What the chart shows, for a screen reader (the canvas itself says nothing). */
  label: string;
  /** Called with the chart once made (e.g. to listen for clicks on it). */
  onCreate?: (chart: uPlot) => void | (() => void);
}

export function UPlotChart({ options, data, height = 260, label, onCreate }: UPlotChartProps) {
  const container = useRef<HTMLDivElement>(null);
  const chart = useRef<uPlot | null>(null);
  const latest = useRef(data);
  latest.current = data;

  useEffect(() => {
    const el = container.current;
    if (!el) return;
    const u = new uPlot({ ...options, width: Math.max(200, el.clientWidth), height }, latest.current, el);
    chart.current = u;
    const cleanup = onCreate?.(u);
    const observer = new ResizeObserver(() => {
      const width = Math.max(200, el.clientWidth);
      if (width !== u.width) u.setSize({ width, height });
    });
    observer.observe(el);
    return () => {
      observer.disconnect();
      if (typeof cleanup === "function") cleanup();
      u.destroy();
      chart.current = null;
    };
    // onCreate is read once per chart: a new one comes with new options.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [options, height]);

  useEffect(() => {
    chart.current?.setData(data);
  }, [data]);

  return <div ref={container} className="uplot-host" role="img" aria-label={label} />;
}
