// A run's dashboard components as the store keeps them: the declaration (kind, spec) and the data,
// folded per kind. Most kinds show their latest data; a few keep a bounded history, because the
// strategy sends one point or one row per update:
//   line_chart with spec.append: each update is one point     -> `history` (oldest first)
//   table with a plain object as data: each update is one row -> `history` (newest first)
//   table with {rows: [...]}: the rows replace what was shown
// The read routes (GET /runs/{id}) give the latest data and, for these kinds, the last 1,000 updates
// (api/services/run_views.py folds by the same rule), so a chart opened mid-run shows its path.
import type { ComponentOut } from "../api/types";

export interface WidgetState {
  componentId: string;
  /** "scatter", "line_chart", "bar_chart", "slider", "sliders", "buttons", "table", ...; "" if not declared. */
  kind: string;
  spec: Record<string, unknown>;
  /** The latest data (null before the first update). */
  data: unknown;
  /** Points or rows kept for kinds that append (see above). */
  history: unknown[];
  updated: string | null;
  updates: number;
}

export const MAX_POINTS = 10_000;
export const MAX_ROWS = 500;

function asSpec(spec: unknown): Record<string, unknown> {
  return typeof spec === "object" && spec !== null && !Array.isArray(spec) ? (spec as Record<string, unknown>) : {};
}

function isRowObject(data: unknown): data is Record<string, unknown> {
  return typeof data === "object" && data !== null && !Array.isArray(data) && !Array.isArray((data as { rows?: unknown }).rows);
}

export function appends(kind: string, spec: Record<string, unknown>, data: unknown): boolean {
  if (kind === "line_chart") return spec.append === true;
  if (kind === "table") return isRowObject(data);
  return false;
}

/** Histories made by this batch of events (applyEvents passes one set per batch): appending to one of
 *  them again mutates it in place, so a batch of n points costs one copy, not n. */
export type Fresh = WeakSet<unknown[]>;

function appended(widget: WidgetState, data: unknown, fresh?: Fresh): unknown[] {
  if (widget.kind === "table") {
    if (fresh?.has(widget.history)) {
      widget.history.unshift(data);
      if (widget.history.length > MAX_ROWS) widget.history.length = MAX_ROWS;
      return widget.history;
    }
    const rows = [data, ...widget.history].slice(0, MAX_ROWS);
    fresh?.add(rows);
    return rows;
  }
  let history = widget.history;
  if (!fresh?.has(history)) {
    history = history.length >= MAX_POINTS ? history.slice(-(MAX_POINTS - 1)) : history.slice();
    fresh?.add(history);
  } else if (history.length >= MAX_POINTS) {
    history.splice(0, history.length - MAX_POINTS + 1);
  }
  history.push(data);
  return history;
}

/** A component as a read route gives it, with the history the API kept for kinds that append; the
 *  points the stream delivered after the read's latest one (`previous`) are kept after it. */
export function fromRead(c: ComponentOut, previous?: WidgetState): WidgetState {
  const spec = asSpec(c.spec);
  let history: unknown[] = [];
  if (c.data != null && appends(c.kind, spec, c.data)) {
    const read = c.history;
    const oldestFirst = read && read.length ? read.slice(-MAX_POINTS) : [c.data];
    const kept = previous && previous.kind === c.kind ? previous.history : [];
    const keptOldestFirst = c.kind === "table" ? [...kept].reverse() : kept;
    const last = JSON.stringify(oldestFirst[oldestFirst.length - 1]);
    const at = keptOldestFirst.findIndex((p) => JSON.stringify(p) === last);
    const merged = at >= 0 ? [...oldestFirst, ...keptOldestFirst.slice(at + 1)] : oldestFirst;
    history = c.kind === "table" ? merged.reverse().slice(0, MAX_ROWS) : merged.slice(-MAX_POINTS);
  }
  return { componentId: c.component_id, kind: c.kind, spec, data: c.data ?? null, history,
           updated: c.updated ?? null, updates: c.updates };
}

export function emptyWidget(componentId: string): WidgetState {
  return { componentId, kind: "", spec: {}, data: null, history: [], updated: null, updates: 0 };
}

/** UiComponentDeclared: a (re)declaration keeps the data it had. */
export function declared(previous: WidgetState | undefined, componentId: string, kind: string, spec: unknown): WidgetState {
  const base = previous ?? emptyWidget(componentId);
  return { ...base, kind, spec: asSpec(spec), history: previous?.kind === kind ? base.history : [] };
}

/** UiComponentUpdated: the new data, folded by kind. */
export function updated(previous: WidgetState | undefined, componentId: string, data: unknown, at: string,
                        fresh?: Fresh): WidgetState {
  const base = previous ?? emptyWidget(componentId);
  const history = appends(base.kind, base.spec, data) ? appended(base, data, fresh)
    : base.kind === "table" ? [] : base.history;
  return { ...base, data, history, updated: at, updates: base.updates + 1 };
}

/** A strategy's JSON text (spec_json, data_json) as a value; kept as the text when it is not JSON. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
