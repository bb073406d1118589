// The dashboard's pages: the navigation and the router read this one list.
//
// Every page lives under BASENAME (/ui/...): the API's own paths (/runs/{id}, /markets, /logs) answer
// JSON, so a page at the same path could never be loaded or reloaded. The API serves index.html at /
// and at /ui/*, and the built files under /assets/.
// The pages: /                     runs, newest first (the landing page)
//            /runs/new             run configuration: strategy, parameters, allocation, add funds
//            /runs/:runId          one run: its components, orders and fills, wallet, log
//            /runs/:runId/messages every message of a run, filterable by type, newest live
//            /overview             across runs: trades, wallet distribution, performance against HODL
//            /orders               open and recent orders with fills; place and cancel by hand
//            /backtests            backtest reports, side by side
//            /markets/:venue/:pair one market: status, bid/ask, depth chart and book, trades, candles
//            /audit                the audit reports; /audit?report=order&order=<id> is an order's trail
//            /markets, /wallets, /logs
export const BASENAME = "/ui";

export interface NavEntry {
  path: string;
  label: string;
}

export const NAV: NavEntry[] = [
  { path: "/", label: "Runs" },
  { path: "/overview", label: "Overview" },
  { path: "/orders", label: "Orders" },
  { path: "/backtests", label: "Backtests" },
  { path: "/markets", label: "Markets" },
  { path: "/wallets", label: "Wallets" },
  { path: "/logs", label: "Logs" },
  { path: "/audit", label: "Audit" },
];

export const runPath = (runId: string): string => `/runs/${encodeURIComponent(runId)}`;
export const newRunPath = "/runs/new";
export const runMessagesPath = (runId: string): string => `/runs/${encodeURIComponent(runId)}/messages`;
export const marketPath = (venue: string, pair: string): string =>
  `/markets/${encodeURIComponent(venue)}/${encodeURIComponent(pair)}`;
export const auditOrderPath = (orderId: string): string => `/audit?report=order&order=${encodeURIComponent(orderId)}`;
export const auditRunPath = (runId: string): string => `/audit?report=run&run=${encodeURIComponent(runId)}`;
