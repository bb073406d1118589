import { Button, Group, NativeSelect, Text } from "@mantine/core";
import { useMemo, useRef, useState } from "react";
import type uPlot from "uplot";
import { PALETTE, UPlotChart } from "../charts/UPlotChart";
import { formatNumber } from "../lib/format";
import { scatterModel, type ScatterModel } from "./model";
import type { WidgetProps } from "./types";

const PICK_RADIUS_PX = 24;

/** Series on one sorted x axis (uPlot's aligned data), each null where it has no point. */
function aligned(model: ScatterModel): uPlot.AlignedData {
  const xs = [...new Set(model.series.flatMap((s) => s.points.map((p) => p.x)))].sort((a, b) => a - b);
  const at = new Map(xs.map((x, i) => [x, i]));
  const columns = model.series.map((s) => {
    const values: (number | null)[] = new Array(xs.length).fill(null);
    for (const p of s.points) values[at.get(p.x)!] = p.y;
    return values;
  });
  return [xs, ...columns] as uPlot.AlignedData;
}

function pointLabel(model: ScatterModel, raw: unknown, index: number): string {
  const r = (raw ?? {}) as Record<string, unknown>;
  const id = model.pick ? r[model.pick.field] : index;
  return `${String(id ?? index)}: ${model.x} ${formatNumber(Number(r[model.x]))}, ${model.y} ${formatNumber(Number(r[model.y]))}`;
}

/** A marked point's name: its asset or name field, else its position. */
function nameOf(raw: unknown, index: number): string {
  const r = (raw ?? {}) as Record<string, unknown>;
  const name = r.asset ?? r.name ?? r.label;
  return typeof name === "string" ? name : String(index + 1);
}

/** Points on two axes (spec.x, spec.y). The main points (data.points) can be picked, by pointer on the
 *  chart or by keyboard from the list; named targets (spec.targets) by their buttons. Named points
 *  (the current portfolio, the target) and named sets (single assets) are marked and listed. */
export function ScatterWidget({ widget, send, sending }: WidgetProps) {
  const model = useMemo(() => scatterModel(widget.spec, widget.data), [widget.spec, widget.data]);
  const data = useMemo(() => aligned(model), [model]);
  const shape = model.series.map((s) => `${s.name}:${s.role}`).join(",");
  const options = useMemo<Omit<uPlot.Options, "width" | "height">>(() => ({
    scales: { x: { time: false } },
    axes: [{ label: model.x }, { label: model.y }],
    cursor: { drag: { x: false, y: false } },
    series: [
      { label: model.x },
      ...model.series.map((s, i) => ({
        label: s.name,
        stroke: PALETTE[i % PALETTE.length],
        width: s.role === "main" ? 2 : 0,
        spanGaps: s.role === "main",
        paths: s.role === "main" ? undefined : () => null,
        points: { show: true, size: s.role === "cloud" ? 3 : s.role === "marker" ? 11 : 6,
                  fill: PALETTE[i % PALETTE.length] },
      })),
    ],
  // eslint-disable-next-line react-hooks/exhaustive-deps
  }), [shape, model.x, model.y]);

  const main = model.series.find((s) => s.role === "main");
  const modelRef = useRef(model);
  modelRef.current = model;
  const [chosen, setChosen] = useState("");

  const pickValue = (raw: unknown): unknown => {
    const pick = modelRef.current.pick;
    return pick && raw && typeof raw === "object" ? (raw as Record<string, unknown>)[pick.field] : undefined;
  };
  const pick = (raw: unknown) => {
    const m = modelRef.current;
    const value = pickValue(raw);
    if (send && m.pick && value !== undefined) send({ [m.pick.payloadKey]: value });
  };

  const onCreate = (u: uPlot) => {
    if (!send) return;
    const onClick = () => {
      const m = modelRef.current;
      const points = m.series.find((s) => s.role === "main")?.points ?? [];
      const { left, top } = u.cursor;
      if (left == null || top == null || left < 0) return;
      let best: { d: number; raw: unknown } | null = null;
      for (const p of points) {
        const d = Math.hypot(u.valToPos(p.x, "x") - left, u.valToPos(p.y, "y") - top);
        if (!best || d < best.d) best = { d, raw: p.raw };
      }
      if (best && best.d <= PICK_RADIUS_PX) pick(best.raw);
    };
    u.over.addEventListener("click", onClick);
    return () => u.over.removeEventListener("click", onClick);
  };

  if (!model.series.length) return <Text c="dimmed" size="sm">No points yet.</Text>;
  const title = typeof widget.spec.title === "string" ? widget.spec.title : widget.componentId;
  const marked = model.series.map((s, i) => ({ s, i })).filter(({ s }) => s.role === "marker" || s.role === "points");
  return (
    <>
      <UPlotChart options={options} data={data} onCreate={onCreate}
                  label={`${title}: scatter of ${model.y} against ${model.x}, ${main?.points.length ?? 0} points`} />
      {marked.length > 0 && (
        <ul className="bars-legend" aria-label="Marked points" data-testid="scatter-marked">
          {marked.map(({ s, i }) => (
            <li key={s.name} data-series={s.name}>
              <span className={`swatch swatch-${i % PALETTE.length}`} aria-hidden="true" />
              {s.name.replaceAll("_", " ")}
              {s.role === "points" ? `: ${s.points.map((p, j) => nameOf(p.raw, j)).join(", ")}`
                : ` (${model.x} ${formatNumber(s.points[0]!.x)}, ${model.y} ${formatNumber(s.points[0]!.y)})`}
            </li>
          ))}
        </ul>
      )}
      {send && (model.pick || model.targets.length > 0) && (
        <Group gap="xs" mt="xs" align="flex-end" wrap="wrap">
          {model.pick && main && (
            <>
              <NativeSelect label="Point to pick" size="xs" value={chosen} onChange={(e) => setChosen(e.currentTarget.value)}
                            data={[{ value: "", label: "Choose a point" },
                                   ...main.points.map((p, i) => ({ value: String(i), label: pointLabel(model, p.raw, i) }))]} />
              <Button size="xs" disabled={chosen === "" || sending}
                      onClick={() => pick(main.points[Number(chosen)]?.raw)}>Pick point</Button>
            </>
          )}
          {model.targets.map((t) => (
            <Button key={t} size="xs" variant="light" disabled={sending} onClick={() => send({ target: t })}>
              Pick {t.replaceAll("_", " ")}
            </Button>
          ))}
        </Group>
      )}
    </>
  );
}
