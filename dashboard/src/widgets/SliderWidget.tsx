import { Button, Group, Slider, Text } from "@mantine/core";
import { useEffect, useState } from "react";
import { formatNumber } from "../lib/format";
import { isNumber, isObject, num, str, type WidgetProps } from "./types";

export function stepOf(min: number, max: number, step: unknown): number {
  if (isNumber(step) && step > 0) return step;
  return Number.isInteger(min) && Number.isInteger(max) ? 1 : (max - min) / 100;
}

/** One value in [min, max] (spec, or data's latest bounds); Apply sends {[spec.field]: value}. */
export function SliderWidget({ widget, send, sending }: WidgetProps) {
  const data = isObject(widget.data) ? widget.data : {};
  const field = str(widget.spec.field, "value");
  const min = num(data.min, num(widget.spec.min, 0));
  const max = Math.max(min, num(data.max, num(widget.spec.max, 100)));
  const step = stepOf(min, max, widget.spec.step);
  const current = isNumber(data[field]) ? (data[field] as number) : isNumber(data.value) ? (data.value as number)
    : num(widget.spec.value, min);
  const [value, setValue] = useState(current);
  useEffect(() => setValue(current), [current]);
  const title = str(widget.spec.title) || field;
  const clamped = Math.min(max, Math.max(min, value));
  return (
    <div className="slider-widget">
      <Group justify="space-between" gap="xs">
        <Text size="sm" id={`${widget.componentId}-label`}>{field.replaceAll("_", " ")}</Text>
        <Text size="sm" className="mono" data-testid="slider-value">{formatNumber(clamped)}</Text>
      </Group>
      <Slider min={min} max={max} step={step} value={clamped} onChange={setValue} disabled={!send}
              thumbLabel={title} label={formatNumber} aria-labelledby={`${widget.componentId}-label`} mb="xs" />
      <Group gap="xs" justify="space-between">
        <Text size="xs" c="dimmed">{formatNumber(min)} – {formatNumber(max)}</Text>
        {send && (
          <Button size="xs" disabled={sending || clamped === current} loading={sending}
                  onClick={() => send({ [field]: clamped })}>Apply {title}</Button>
        )}
      </Group>
    </div>
  );
}
