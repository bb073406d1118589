// The run page's reads beyond the run itself: its orders, its fills and its wallet set, typed by the
// OpenAPI document (same style as endpoints.ts). The run page calls these; widgets never do.
import { http, unwrap } from "./client";
import type { components } from "./schema";

type Schemas = components["schemas"];
export type OrderView = Schemas["OrderViewOut"];
export type Fill = Schemas["FillOut"];
export type RunWalletSet = Schemas["WalletSetOut"];

export const ORDER_LIMIT = 100;
export const FILL_LIMIT = 200;

export const runData = {
  /** The run's orders, open and finished, newest first. */
  orders: (account: string, runId: string, limit = ORDER_LIMIT): Promise<OrderView[]> =>
    unwrap(http.GET("/accounts/{account}/orders", {
      params: { path: { account }, query: { run_id: runId, state: "all", limit } },
    })),
  /** The run's fills, newest first. */
  fills: (account: string, runId: string, limit = FILL_LIMIT): Promise<Fill[]> =>
    unwrap(http.GET("/accounts/{account}/fills", { params: { path: { account }, query: { run_id: runId, limit } } })),
  /** The run's wallet set: balance, available and hold per venue and currency; active until released. */
  walletSet: (account: string, walletSetId: string): Promise<RunWalletSet> =>
    unwrap(http.GET("/accounts/{account}/wallet-sets/{wallet_set_id}", {
      params: { path: { account, wallet_set_id: walletSetId } },
    })),
};
