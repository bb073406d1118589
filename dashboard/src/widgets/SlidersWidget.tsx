import { Button, Group, Slider, Stack, Text } from "@mantine/core";
import { useEffect, useMemo, useState } from "react";
import { formatNumber, formatPercent } from "../lib/format";
import { evenSplit, rebalance, sumInSteps } from "./model";
import { stepOf } from "./SliderWidget";
import { isNumber, isObject, num, str, strings, type WidgetProps } from "./types";

function initial(assets: string[], data: unknown, field: string, total: number | null, step: number,
                 min: number, max: number): number[] {
  const source = isObject(data) && isObject(data[field]) ? (data[field] as Record<string, unknown>) : isObject(data) ? data : {};
  const values = assets.map((a) => (isNumber(source[a]) ? (source[a] as number) : NaN));
  if (values.every(Number.isFinite)) return values;
  return total === null ? assets.map(() => min) : evenSplit(assets.length, total, step, min, max);
}

/** One slider per asset (spec.assets); with spec.sum the values always add up to it (moving one moves
 *  the others in proportion). Apply sends {[spec.field]: {asset: value, ...}}. */
export function SlidersWidget({ widget, send, sending }: WidgetProps) {
  const assets = strings(widget.spec.assets);
  const field = str(widget.spec.field, "values");
  const min = num(widget.spec.min, 0);
  const max = Math.max(min, num(widget.spec.max, 1));
  const step = stepOf(min, max, widget.spec.step);
  const total = isNumber(widget.spec.sum) ? (widget.spec.sum as number) : null;
  const start = useMemo(() => initial(assets, widget.data, field, total, step, min, max),
  // eslint-disable-next-line react-hooks/exhaustive-deps
                        [assets.join(","), widget.data, field, total, step, min, max]);
  const [values, setValues] = useState(start);
  useEffect(() => setValues(start), [start]);
  const percent = total === 1 && max <= 1;
  const show = (v: number) => (percent ? formatPercent(v) : formatNumber(v));
  // Counted in whole steps: 0.34 + 0.33 + 0.33 is exactly 100 %, not 1.0000000000000002.
  const steps = sumInSteps(values, step);
  const sum = total !== null && steps === Math.round(total / step) ? total : values.reduce((a, b) => a + b, 0);
  const valid = total === null || steps === Math.round(total / step);

  const change = (i: number, v: number) =>
    setValues((old) => (total === null ? old.map((x, j) => (j === i ? v : x)) : rebalance(old, i, v, { min, max, total, step })));

  if (!assets.length) return <Text c="dimmed" size="sm">No assets declared.</Text>;
  return (
    <Stack gap="xs" className="sliders-widget">
      {assets.map((asset, i) => (
        <div key={asset}>
          <Group justify="space-between" gap="xs">
            <Text size="sm" id={`${widget.componentId}-${asset}`}>{asset}</Text>
            <Text size="sm" className="mono" data-testid={`weight-${asset}`}>{show(values[i] ?? 0)}</Text>
          </Group>
          <Slider min={min} max={max} step={step} value={values[i] ?? 0} onChange={(v) => change(i, v)} disabled={!send}
                  thumbLabel={`${asset} ${field.replaceAll("_", " ")}`} label={show} aria-labelledby={`${widget.componentId}-${asset}`} />
        </div>
      ))}
      <Group justify="space-between" gap="xs">
        <Text size="sm" data-testid="sliders-total">Total {show(sum)}{total !== null && ` of ${show(total)}`}</Text>
        {send && (
          <Group gap="xs">
            <Button size="xs" variant="default" onClick={() => setValues(start)} disabled={sending}>Reset</Button>
            <Button size="xs" disabled={sending || !valid} loading={sending}
                    onClick={() => send({ [field]: Object.fromEntries(assets.map((a, i) => [a, values[i] ?? 0])) })}>
              Apply {str(widget.spec.title) || field}
            </Button>
          </Group>
        )}
      </Group>
    </Stack>
  );
}
