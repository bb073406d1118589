// The reads of the Markets and Market pages, one function each, typed by the OpenAPI document (same
// style as endpoints.ts). The market list itself is the store's (`loadMarkets`).
import { http, unwrap } from "./client";
import type { components } from "./schema";

type Schemas = components["schemas"];

export type Book = Schemas["BookOut"];
export type Trade = Schemas["TradeOut"];
export type Candle = Schemas["CandleOut"];
export type CandleFreq = "1m" | "5m" | "1h" | "1d";

const path = (venue: string, pair: string) => ({ path: { venue, pair } });

export const market = {
  /** The top `depth` levels each side, best first, as [price, size] decimal strings (404: no book yet). */
  book: (venue: string, pair: string, depth = 20): Promise<Book> =>
    unwrap(http.GET("/markets/{venue}/{pair}/book", { params: { ...path(venue, pair), query: { depth } } })),
  /** The venue's latest public trades, newest first (404: none seen yet). */
  trades: (venue: string, pair: string, limit = 50): Promise<Trade[]> =>
    unwrap(http.GET("/markets/{venue}/{pair}/trades", { params: { ...path(venue, pair), query: { limit } } })),
  /** OHLCV candles of the archive's trades, oldest first (503: this API cannot read the archive). */
  candles: (venue: string, pair: string, start: string, end: string, freq: CandleFreq): Promise<Candle[]> =>
    unwrap(http.GET("/markets/{venue}/{pair}/candles", {
      params: { ...path(venue, pair), query: { start, end, freq } },
    })),
};
