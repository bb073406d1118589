// The dashboard's pages: the navigation and the router read this one list.
//
// Every page lives under BASENAME (/ui/...): the API's own paths (/runs/{id}, /markets, /logs) answer
// JSON, so a page at the same path could never be loaded or reloaded. The API serves index.html at /
// and at /ui/*, and the built files under /assets/.
// Pages to come (issue #16), each a route here and a file in pages/:
//   /runs/new            run configuration: strategy, parameters, mode, allocation, add funds
//   /overview            across runs: trades, wallet distribution, performance against HODL
//   /runs/:runId/messages every message of a run, filterable by type, newest live
//   /orders              open and recent orders with fills; place and cancel by hand
//   /backtests, /backtests/:id  backtest reports, side by side
export const BASENAME = "/ui";

export interface NavEntry {
  path: string;
  label: string;
}

export const NAV: NavEntry[] = [
  { path: "/", label: "Runs" },
  { path: "/markets", label: "Markets" },
  { path: "/wallets", label: "Wallets" },
  { path: "/logs", label: "Logs" },
];

export const runPath = (runId: string): string => `/runs/${encodeURIComponent(runId)}`;
