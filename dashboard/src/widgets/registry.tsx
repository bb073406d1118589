// One renderer per component kind, shared by every strategy (STYLE.md: "one widget per component
// kind"). A new kind is one entry here and one file beside it; an unknown kind shows its JSON.
import { memo, useCallback, type ComponentType } from "react";
import { useStore } from "../store/store";
import type { WidgetState } from "../store/components";
import { BarChartWidget } from "./BarChartWidget";
import { ButtonsWidget } from "./ButtonsWidget";
import { LineChartWidget } from "./LineChartWidget";
import { ScatterWidget } from "./ScatterWidget";
import { SliderWidget } from "./SliderWidget";
import { SlidersWidget } from "./SlidersWidget";
import { TableWidget } from "./TableWidget";
import type { WidgetProps } from "./types";
import { UnknownWidget } from "./UnknownWidget";
import { usePromptHost } from "./promptHost";
import { useControl } from "./useControl";
import { WidgetFrame } from "./WidgetFrame";

export const RENDERERS: Record<string, ComponentType<WidgetProps>> = {
  scatter: ScatterWidget,
  line_chart: LineChartWidget,
  bar_chart: BarChartWidget,
  slider: SliderWidget,
  sliders: SlidersWidget,
  buttons: ButtonsWidget,
  table: TableWidget,
};

/** Kinds whose renderer sends control messages (the others are read only). */
export const CONTROL_KINDS = new Set(["scatter", "slider", "sliders", "buttons"]);

/** A run's component: its frame, its kind's renderer, and its control messages when the user may send.
 *  Rendered again only when its own state changed (the store keeps an untouched component's object). */
export const Widget = memo(function Widget({ runId, widget, canControl }: { runId: string; widget: WidgetState; canControl: boolean }) {
  const Renderer = RENDERERS[widget.kind] ?? UnknownWidget;
  const control = useControl(runId, widget.componentId);
  const controls = canControl && CONTROL_KINDS.has(widget.kind);
  const host = usePromptHost();
  const { send: deliver } = control;
  // The page's confirmation prompt (widgets/prompt.ts) watches what this page sent.
  const send = useCallback((payload: unknown) => {
    host?.sent(widget.componentId);
    deliver(payload);
  }, [host, deliver, widget.componentId]);
  return (
    <WidgetFrame widget={widget} control={controls ? control : null}>
      <Renderer widget={widget} send={controls ? send : null} sending={control.sending} />
    </WidgetFrame>
  );
});

/** The component ``componentId`` of a run, read from the store by itself: an update of one component
 *  renders that component, not the page and its other components. */
export const WidgetSlot = memo(function WidgetSlot({ runId, componentId, canControl }:
                                                   { runId: string; componentId: string; canControl: boolean }) {
  const widget = useStore((s) => s.widgets[runId]?.[componentId]);
  return widget ? <Widget runId={runId} widget={widget} canControl={canControl} /> : null;
});
