// The audit reports (GET /audit/...): one function reads a report as JSON, typed by the OpenAPI
// document like endpoints.ts; `exportHref` is the same query as a file to download (CSV or Parquet),
// a plain same-origin link that carries the session cookie.
import { http, unwrap } from "./client";
import type { components } from "./schema";

export type AuditOut = components["schemas"]["AuditOut"];

export type ReportKind = "order" | "run" | "commands" | "fees" | "ledger" | "fills" | "refused" | "book" | "series";

/** A report asked for: its kind, the id in its path (an order's, a run's; a book's venue/pair) and its
 *  query. */
export interface ReportRequest {
  kind: ReportKind;
  id: string;
  query: Record<string, string>;
}

const PATHS: Record<ReportKind, string> = {
  order: "/audit/orders/", run: "/audit/runs/", commands: "/audit/commands", fees: "/audit/fees",
  ledger: "/audit/ledger", fills: "/audit/fills", refused: "/audit/refused", book: "/audit/books/",
  series: "/audit/books/",
};

/** A book's venue and pair from its request's id ("venue/pair"). */
export function bookOf(req: ReportRequest): { venue: string; pair: string } {
  const [venue = "", pair = ""] = req.id.split("/");
  return { venue, pair };
}

/** The report's URL with `format`: the same query the page read, as a file. */
export function exportHref(req: ReportRequest, format: "csv" | "parquet"): string {
  let path = PATHS[req.kind];
  if (req.kind === "order" || req.kind === "run") path += encodeURIComponent(req.id);
  if (req.kind === "book" || req.kind === "series") {
    const { venue, pair } = bookOf(req);
    path += `${encodeURIComponent(venue)}/${encodeURIComponent(pair)}${req.kind === "series" ? "/series" : ""}`;
  }
  const query = new URLSearchParams({ ...req.query, format });
  return `${path}?${query.toString()}`;
}

export const audit = {
  /** The report as JSON (403: the role may not read it; 404: no such order or run; 503: no archive). */
  read: (req: ReportRequest, signal?: AbortSignal): Promise<AuditOut> => read(req, signal) as Promise<AuditOut>,
};

// Each route also answers CSV and Parquet, so the generated types leave its body unknown: JSON here.
function read(req: ReportRequest, signal?: AbortSignal): Promise<unknown> {
  const q = req.query;
  switch (req.kind) {
    case "order":
      return unwrap(http.GET("/audit/orders/{order_id}", { params: { path: { order_id: req.id } }, signal }));
    case "run":
      return unwrap(http.GET("/audit/runs/{run_id}", {
        params: { path: { run_id: req.id }, query: { logs: q.logs === "true" } }, signal }));
    case "commands":
      return unwrap(http.GET("/audit/commands", { params: { query: q }, signal }));
    case "fees":
      return unwrap(http.GET("/audit/fees", { params: { query: q }, signal }));
    case "ledger":
      return unwrap(http.GET("/audit/ledger", { params: { query: q }, signal }));
    case "fills":
      return unwrap(http.GET("/audit/fills", { params: { query: q }, signal }));
    case "refused":
      return unwrap(http.GET("/audit/refused", { params: { query: q }, signal }));
    case "book":
      return unwrap(http.GET("/audit/books/{venue}/{pair}", {
        params: { path: bookOf(req), query: { at: q.at ?? "", depth: Number(q.depth ?? 20) } }, signal }));
    case "series":
      return unwrap(http.GET("/audit/books/{venue}/{pair}/series", {
        params: { path: bookOf(req), query: { since: q.since ?? "", until: q.until ?? "", every: q.every ?? "1m",
                                               levels: Number(q.levels ?? 10) } }, signal }));
  }
}
