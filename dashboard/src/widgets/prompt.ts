// A confirmation prompt a `buttons` component may declare (generic: no strategy is named here):
//   "prompt": {"action": "confirm", "when": {"component": "weights", "field": "awaiting_confirmation"},
//              "show": "weights", "title": "Trade towards the new target?"}
// When `when.component`'s data has `when.field` true in an update that came after this page sent a
// control to the run, the page opens a dialog showing the `show` component (read only) with the
// action and "Not now". The action's own button asks through the same dialog.
import type { WidgetState } from "../store/components";
import { isObject, str } from "./types";

export interface Prompt {
  /** The buttons component that declared it: the action is sent to it, as {[field]: action}. */
  owner: string;
  field: string;
  action: string;
  /** The component and the boolean field of its data that say something waits for the action. */
  component: string;
  flag: string;
  /** The component the dialog shows (null: none). */
  show: string | null;
  title: string;
}

/** The prompt a buttons component's spec declares, or null when it declares none (or a broken one). */
export function promptOf(widget: WidgetState): Prompt | null {
  if (widget.kind !== "buttons" || !isObject(widget.spec.prompt)) return null;
  const p = widget.spec.prompt;
  const when = isObject(p.when) ? p.when : {};
  const action = str(p.action);
  const component = str(when.component);
  const flag = str(when.field);
  if (!action || !component || !flag) return null;
  const label = action.charAt(0).toUpperCase() + action.slice(1).replaceAll("_", " ");
  return { owner: widget.componentId, field: str(widget.spec.field, "action"), action, component, flag,
           show: str(p.show) || null, title: str(p.title) || `${label}?` };
}

/** The first prompt declared among a run's components, in declaration order. */
export function findPrompt(widgets: Record<string, WidgetState> | undefined, order: readonly string[] | undefined): Prompt | null {
  for (const id of order ?? []) {
    const w = widgets?.[id];
    const p = w ? promptOf(w) : null;
    if (p) return p;
  }
  return null;
}

/** Whether the prompt's flag is set in the latest data of its component. */
export function waiting(prompt: Prompt | null, widgets: Record<string, WidgetState> | undefined): boolean {
  if (!prompt) return false;
  const data = widgets?.[prompt.component]?.data;
  return isObject(data) && data[prompt.flag] === true;
}

/** What the page remembers when it sends a control: how many updates the watched component had. */
export interface Armed {
  updates: number;
}

/** Arm on a control this page sent, unless it is to the prompt's own component (its actions, such as
 *  pause, propose nothing to confirm). */
export function armOn(prompt: Prompt | null, componentId: string, widgets: Record<string, WidgetState> | undefined): Armed | null {
  if (!prompt || componentId === prompt.owner) return null;
  return { updates: widgets?.[prompt.component]?.updates ?? 0 };
}

/** Open the dialog now: armed, and a newer update of the watched component has the flag set. */
export function due(prompt: Prompt | null, armed: Armed | null, widgets: Record<string, WidgetState> | undefined): boolean {
  if (!prompt || !armed) return false;
  const watched = widgets?.[prompt.component];
  return !!watched && watched.updates > armed.updates && waiting(prompt, widgets);
}
