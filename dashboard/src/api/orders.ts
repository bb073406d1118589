// The orders page's reads and commands (GET/POST /accounts/{a}/orders, .../cancel, GET .../fills), one
// function each, typed by the OpenAPI document like endpoints.ts.
import { http, unwrap } from "./client";
import type { components } from "./schema";

type Schemas = components["schemas"];
export type Order = Schemas["OrderViewOut"];
export type Fill = Schemas["FillOut"];
export type OrderRequest = Schemas["OrderIn"];
export type CancelRequest = Schemas["CancelIn"];
export type CommandOut = Schemas["CommandOut"];
export type OrderState = "open" | "done" | "all";

export const orders = {
  /** The account's orders, newest first: open ones, finished ones (the last 1,000 kept) or all. */
  list: (account: string, state: OrderState, limit: number): Promise<Order[]> =>
    unwrap(http.GET("/accounts/{account}/orders", { params: { path: { account }, query: { state, limit } } })),
  /** The account's fills, newest first. */
  fills: (account: string, limit: number): Promise<Fill[]> =>
    unwrap(http.GET("/accounts/{account}/fills", { params: { path: { account }, query: { limit } } })),
  /** Request an order; its `order_id` is the idempotency key (a retry with it is applied once). A
   *  refusal (422, with the ledger's reason) throws an ApiError; 202 answers status "pending". */
  submit: (account: string, body: OrderRequest): Promise<CommandOut> =>
    unwrap(http.POST("/accounts/{account}/orders", { params: { path: { account } }, body })),
  /** Ask the venue to cancel an open order. */
  cancel: (account: string, orderId: string, body: CancelRequest): Promise<CommandOut> =>
    unwrap(http.POST("/accounts/{account}/orders/{order_id}/cancel", {
      params: { path: { account, order_id: orderId } }, body,
    })),
};
