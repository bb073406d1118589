// The reads and commands the dashboard uses, one function each, typed by the OpenAPI document.
// Pages and the store call these; widgets never do (they render what the store holds).
import { http, unwrap } from "./client";
import type { Market, Me, Notice, RunDetail, RunLog, RunSummary, SentOut, Amount, WalletSet } from "./types";

export const auth = {
  login: (user: string, password: string): Promise<Me> =>
    unwrap(http.POST("/auth/login", { body: { user, password } })),
  logout: (): Promise<unknown> => unwrap(http.POST("/auth/logout")),
  me: (): Promise<Me> => unwrap(http.GET("/auth/me")),
};

export const runs = {
  list: (limit = 100): Promise<RunSummary[]> => unwrap(http.GET("/runs", { params: { query: { limit } } })),
  get: (runId: string): Promise<RunDetail> =>
    unwrap(http.GET("/runs/{run_id}", { params: { path: { run_id: runId } } })),
  logs: (runId: string, limit = 200): Promise<RunLog[]> =>
    unwrap(http.GET("/runs/{run_id}/logs", { params: { path: { run_id: runId }, query: { limit } } })),
  /** A control message to one of the run's components; the key makes a retry count once. */
  control: (runId: string, componentId: string, payload: unknown, idempotencyKey: string): Promise<SentOut> =>
    unwrap(http.POST("/runs/{run_id}/components/{component_id}", {
      params: { path: { run_id: runId, component_id: componentId }, header: { "idempotency-key": idempotencyKey } },
      body: payload, // any JSON: what the component's control sends
    })),
  stop: (runId: string, release: boolean, reason = "stopped from the dashboard"): Promise<SentOut> =>
    unwrap(http.POST("/runs/{run_id}/stop", { params: { path: { run_id: runId } }, body: { release, reason } })),
};

export const markets = {
  list: (): Promise<Market[]> => unwrap(http.GET("/markets")),
};

export const wallets = {
  sets: (account: string): Promise<WalletSet[]> =>
    unwrap(http.GET("/accounts/{account}/wallet-sets", { params: { path: { account } } })),
  unallocated: (account: string): Promise<Amount[]> =>
    unwrap(http.GET("/accounts/{account}/unallocated", { params: { path: { account } } })),
};

export const logs = {
  recent: (limit = 200): Promise<Notice[]> => unwrap(http.GET("/logs", { params: { query: { limit } } })),
};
