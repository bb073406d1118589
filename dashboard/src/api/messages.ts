// A run's messages from the archive (GET /runs/{run_id}/messages): its inbox and its outputs, in time
// order, paged forward by an opaque cursor. Same style as endpoints.ts: one function, typed by the
// OpenAPI document.
import { http, unwrap } from "./client";
import type { components } from "./schema";

export type RunMessage = components["schemas"]["RunMessageOut"];
export type RunMessagesPage = components["schemas"]["RunMessagesOut"];
export type Direction = "inbox" | "outputs" | "all";

/** The most the API gives in one page. */
export const MAX_PAGE = 5000;

export interface MessagesQuery {
  direction: Direction;
  /** Event types; empty: every type. */
  types: readonly string[];
  /** The `next` of the previous page; null: from the run's first message. */
  after: string | null;
  limit: number;
}

export const messages = {
  page: (runId: string, q: MessagesQuery, signal?: AbortSignal): Promise<RunMessagesPage> =>
    unwrap(http.GET("/runs/{run_id}/messages", {
      params: {
        path: { run_id: runId },
        query: {
          direction: q.direction,
          types: q.types.length ? q.types.join(",") : undefined,
          after: q.after ?? undefined,
          limit: q.limit,
        },
      },
      signal,
    })),
};
