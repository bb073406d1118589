// How a batch of stream events changes what the dashboard holds (pure: state in, state out).
// One function per event family; the store applies each batch once per animation frame.
import type { AnyEvent } from "../api/events.gen";
import type { Market, Notice, RunDetail, RunLog, RunSummary } from "../api/types";
import { isoFromMicros } from "../lib/format";
import { declared, parseJson, updated, type Fresh, type WidgetState } from "./components";

export const MAX_NOTICES = 1000;
export const MAX_RUN_LOGS = 500;
export const MAX_ACTIVITY = 1000;

/** A book's status as the stream last told it (BookStatusChanged), with its reason. */
export interface MarketNote {
  stale: boolean;
  reason: string;
  at: string;
}

export interface DataState {
  /** Runs by id: GET /runs, then RunStateChanged. */
  runs: Record<string, RunSummary>;
  /** One run's details, once its page read them (GET /runs/{id}). */
  runDetails: Record<string, RunDetail>;
  /** Each run's components by id, and their declaration order. */
  widgets: Record<string, Record<string, WidgetState>>;
  widgetOrder: Record<string, string[]>;
  /** Each run's log lines, oldest first (GET /runs/{id}/logs, then StrategyLogged). */
  runLogs: Record<string, RunLog[]>;
  /** Markets by "venue/pair" (GET /markets) and what the stream said since. */
  markets: Record<string, Market>;
  marketNotes: Record<string, MarketNote>;
  /** The services' notices, oldest first (GET /logs, then ServiceNotice). */
  notices: Notice[];
  /** Recent order, fill and wallet events, newest first: the orders and overview pages start here. */
  activity: AnyEvent[];
  /** Bumped by every wallet event: a page showing wallet views reads them again. */
  walletsVersion: number;
}

export function emptyData(): DataState {
  return { runs: {}, runDetails: {}, widgets: {}, widgetOrder: {}, runLogs: {}, markets: {}, marketNotes: {},
           notices: [], activity: [], walletsVersion: 0 };
}

export const marketKey = (venue: string, pair: string): string => `${venue}/${pair}`;

const ACTIVITY_TYPES = new Set<string>([
  "OrderAccepted", "OrderRejected", "OrderOpened", "OrderDone", "CancelRejected", "OrderFilled",
  "WalletMovement", "FundsHeld", "HoldReleased", "WalletSetCreated", "WalletSetDeactivated", "CommandRejected",
]);
const WALLET_TYPES = new Set<string>([
  "WalletMovement", "FundsHeld", "HoldReleased", "WalletSetCreated", "WalletSetDeactivated", "OrderFilled",
]);

/** The state after a batch of events, in stream order. Objects not touched are kept (cheap renders). */
export function applyEvents(state: DataState, events: readonly AnyEvent[]): DataState {
  if (!events.length) return state;
  const next: DataState = { ...state };
  const touchedRuns = new Set<string>();
  const touchedWidgets = new Set<string>();
  const newNotices: Notice[] = [];
  const newLogs = new Map<string, RunLog[]>();
  const newActivity: AnyEvent[] = [];
  const fresh: Fresh = new WeakSet(); // histories copied in this batch: appended to in place

  const runOf = (runId: string): RunSummary => {
    if (!touchedRuns.has(runId)) {
      touchedRuns.add(runId);
      if (next.runs === state.runs) next.runs = { ...state.runs };
      next.runs[runId] = { ...(next.runs[runId] ?? newRun(runId)) };
    }
    return next.runs[runId]!;
  };
  const widgetsOf = (runId: string): Record<string, WidgetState> => {
    if (!touchedWidgets.has(runId)) {
      touchedWidgets.add(runId);
      if (next.widgets === state.widgets) next.widgets = { ...state.widgets };
      next.widgets[runId] = { ...(next.widgets[runId] ?? {}) };
    }
    return next.widgets[runId]!;
  };

  for (const e of events) {
    switch (e.type) {
      case "RunStateChanged": {
        const run = runOf(e.run_id);
        run.state = e.state;
        run.detail = e.detail;
        run.state_changed = isoFromMicros(e.ts);
        run.strategy = run.strategy || e.strategy;
        const detail = next.runDetails[e.run_id];
        if (detail) {
          if (next.runDetails === state.runDetails) next.runDetails = { ...state.runDetails };
          next.runDetails[e.run_id] = { ...detail, state: e.state, detail: e.detail, state_changed: run.state_changed };
        }
        break;
      }
      case "UiComponentDeclared": {
        const widgets = widgetsOf(e.run_id);
        if (!widgets[e.component_id]) {
          const order = next.widgetOrder[e.run_id] ?? [];
          if (!order.includes(e.component_id)) {
            if (next.widgetOrder === state.widgetOrder) next.widgetOrder = { ...state.widgetOrder };
            next.widgetOrder[e.run_id] = [...order, e.component_id];
          }
        }
        widgets[e.component_id] = declared(widgets[e.component_id], e.component_id, e.kind, parseJson(e.spec_json));
        break;
      }
      case "UiComponentUpdated": {
        const widgets = widgetsOf(e.run_id);
        if (!widgets[e.component_id]) {
          const order = next.widgetOrder[e.run_id] ?? [];
          if (next.widgetOrder === state.widgetOrder) next.widgetOrder = { ...state.widgetOrder };
          next.widgetOrder[e.run_id] = [...order, e.component_id];
        }
        widgets[e.component_id] = updated(widgets[e.component_id], e.component_id, parseJson(e.data_json),
                                          isoFromMicros(e.ts), fresh);
        break;
      }
      case "StrategyLogged": {
        const lines = newLogs.get(e.run_id) ?? [];
        lines.push({ ts: isoFromMicros(e.ts), level: e.level, message: e.message });
        newLogs.set(e.run_id, lines);
        break;
      }
      case "ServiceNotice":
        newNotices.push({ time: isoFromMicros(e.ts), service: e.service, process: e.process, level: e.level,
                          logger: e.logger, message: e.message, venue: e.venue });
        break;
      case "BookStatusChanged": {
        const key = marketKey(e.venue, e.pair);
        if (next.marketNotes === state.marketNotes) next.marketNotes = { ...state.marketNotes };
        next.marketNotes[key] = { stale: e.stale, reason: e.reason, at: isoFromMicros(e.ts) };
        const market = next.markets[key];
        if (market?.book) {
          if (next.markets === state.markets) next.markets = { ...state.markets };
          next.markets[key] = { ...market, book: { ...market.book, stale: e.stale } };
        }
        break;
      }
      default:
        break;
    }
    if (ACTIVITY_TYPES.has(e.type)) newActivity.push(e);
    if (WALLET_TYPES.has(e.type)) next.walletsVersion = next.walletsVersion + 1;
  }

  if (newNotices.length) next.notices = [...state.notices, ...newNotices].slice(-MAX_NOTICES);
  if (newLogs.size) {
    next.runLogs = { ...state.runLogs };
    for (const [runId, lines] of newLogs) next.runLogs[runId] = [...(state.runLogs[runId] ?? []), ...lines].slice(-MAX_RUN_LOGS);
  }
  if (newActivity.length) next.activity = [...newActivity.reverse(), ...state.activity].slice(0, MAX_ACTIVITY);
  return next;
}

function newRun(runId: string): RunSummary {
  return { run_id: runId, strategy: "", mode: "", account: "", wallet_set_id: "", state: "requested", detail: "",
           started: null, state_changed: null, component_count: 0 };
}
