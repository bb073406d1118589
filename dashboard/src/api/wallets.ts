// The wallets page's reads and commands (GET/POST /accounts/{a}/...), one function each, typed by the
// OpenAPI document like endpoints.ts. Commands carry a command id: a retry with the same id applies once.
import { http, unwrap } from "./client";
import type { components } from "./schema";
import type { Amount, CommandOut, WalletSet } from "./types";

type Schemas = components["schemas"];
export type Valued = Schemas["Valued"];
export type WalletHistory = Schemas["WalletHistoryOut"];
export type HistoryPoint = Schemas["HistoryPoint"];
export type WalletSetRequest = Schemas["WalletSetIn"];
export type AdjustRequest = Schemas["AdjustIn"];
export type HistoryStep = "1m" | "5m" | "1h" | "1d";

export const walletApi = {
  sets: (account: string): Promise<WalletSet[]> =>
    unwrap(http.GET("/accounts/{account}/wallet-sets", { params: { path: { account } } })),
  unallocated: (account: string): Promise<Amount[]> =>
    unwrap(http.GET("/accounts/{account}/unallocated", { params: { path: { account } } })),
  allocated: (account: string): Promise<Amount[]> =>
    unwrap(http.GET("/accounts/{account}/allocated", { params: { path: { account } } })),
  total: (account: string): Promise<Amount[]> =>
    unwrap(http.GET("/accounts/{account}/total", { params: { path: { account } } })),
  /** The account's total per currency and its USD value (null: no price route to USD). */
  value: (account: string): Promise<Valued[]> =>
    unwrap(http.GET("/accounts/{account}/value", { params: { path: { account } } })),
  /** Holdings and USD value at each step, from the archive (503 when this API does not own it). */
  history: (account: string, start: string, end: string, step: HistoryStep, walletSet?: string): Promise<WalletHistory> =>
    unwrap(http.GET("/accounts/{account}/history", {
      params: { path: { account }, query: { start, end, step, ...(walletSet ? { wallet_set: walletSet } : {}) } },
    })),
  /** Move funds from the pool into a new wallet set (all allocations or none); a refusal throws. */
  create: (account: string, body: WalletSetRequest): Promise<CommandOut> =>
    unwrap(http.POST("/accounts/{account}/wallet-sets", { params: { path: { account } }, body })),
  /** Top up (positive amounts) or reduce (negative) an active set. */
  adjust: (account: string, walletSetId: string, body: AdjustRequest): Promise<CommandOut> =>
    unwrap(http.POST("/accounts/{account}/wallet-sets/{wallet_set_id}/adjust", {
      params: { path: { account, wallet_set_id: walletSetId } }, body,
    })),
  /** Return a set's funds to the pool (refused while it has open orders). */
  deactivate: (account: string, walletSetId: string, commandId: string): Promise<CommandOut> =>
    unwrap(http.POST("/accounts/{account}/wallet-sets/{wallet_set_id}/deactivate", {
      params: { path: { account, wallet_set_id: walletSetId } }, body: { command_id: commandId },
    })),
};
