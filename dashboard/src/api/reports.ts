// The reads and commands of the Overview and Backtests pages, one function each, typed by the OpenAPI
// document (same style as endpoints.ts).
import { http, unwrap } from "./client";
import { walletApi } from "./wallets";
import type { components } from "./schema";
import type { RunSummary, Strategy } from "./types";

type Schemas = components["schemas"];

export type Backtest = Schemas["BacktestOut"];
export type BacktestIn = Schemas["BacktestIn"];
export type RunReport = Schemas["RunReportOut"];
export type Fill = Schemas["FillOut"];
export type Valued = Schemas["Valued"];
export type Dataset = Schemas["DatasetOut"];

export type StrategyInfo = Strategy;

export const backtests = {
  /** Newest first, without their reports; `partial` says why the archive's are left out, if they are. */
  list: async (limit = 100): Promise<{ items: Backtest[]; partial: string | null }> => {
    const call = http.GET("/backtests", { params: { query: { limit } } });
    const items = await unwrap(call);
    return { items, partial: (await call).response.headers.get("X-Cryptick-Partial") };
  },
  /** One backtest, with its report once done. */
  get: (id: string): Promise<Backtest> =>
    unwrap(http.GET("/backtests/{backtest_id}", { params: { path: { backtest_id: id } } })),
  start: (body: BacktestIn): Promise<Backtest> => unwrap(http.POST("/backtests", { body })),
  cancel: (id: string): Promise<Backtest> =>
    unwrap(http.POST("/backtests/{backtest_id}/cancel", { params: { path: { backtest_id: id } } })),
};

export const reports = {
  /** A run's report (a paper run's is computed from its archived inbox: 404 until there is one). */
  ofRun: (runId: string): Promise<RunReport> =>
    unwrap(http.GET("/runs/{run_id}/report", { params: { path: { run_id: runId } } })),
  paperRuns: (account: string | null, limit = 50): Promise<RunSummary[]> =>
    unwrap(http.GET("/runs", { params: { query: { mode: "paper", limit, ...(account ? { account } : {}) } } })),
  strategies: async (): Promise<StrategyInfo[]> =>
    unwrap(http.GET("/strategies")),
  datasets: (): Promise<Dataset[]> => unwrap(http.GET("/markets/datasets")),
};

export const accounts = {
  // the wallet reads are the wallets page's (api/wallets.ts): one function each
  sets: walletApi.sets,
  unallocated: walletApi.unallocated,
  allocated: walletApi.allocated,
  value: walletApi.value,
  fills: (account: string, limit = 50): Promise<Fill[]> =>
    unwrap(http.GET("/accounts/{account}/fills", { params: { path: { account }, query: { limit } } })),
};
