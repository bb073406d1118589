// The reads and commands of the run configuration page (/runs/new), one function each, typed by the
// OpenAPI document (same style as endpoints.ts).
import { http, unwrap } from "./client";
import type { Amount, CommandOut, Funds, ParamsChecked, RunStart, RunStarted, Strategy } from "./types";

export const start = {
  /** The runnable strategies with their typed parameters and defaults. */
  strategies: (): Promise<Strategy[]> => unwrap(http.GET("/strategies")),
  /** Parameters checked as a start would check them; an ApiError (422) with the reason when refused. */
  check: (strategy: string, params: Record<string, string>, signal?: AbortSignal): Promise<ParamsChecked> =>
    unwrap(http.POST("/strategies/{name}/check", { params: { path: { name: strategy } }, body: { params }, signal })),
  /** The account's unallocated pool per venue and currency. */
  pool: (account: string): Promise<Amount[]> =>
    unwrap(http.GET("/accounts/{account}/unallocated", { params: { path: { account } } })),
  /** Start a paper run (202: sent); the body's command_id makes a retry the same run. */
  run: (body: RunStart): Promise<RunStarted> => unwrap(http.POST("/runs", { body })),
  /** A virtual deposit (paper money) into the account's pool; an admin's right. */
  deposit: (account: string, body: Funds): Promise<CommandOut> =>
    unwrap(http.POST("/accounts/{account}/deposits", { params: { path: { account } }, body })),
};
