-- The order of imports (OHLCV files, captures, backfills): one row per import of a topic.
-- A re-import of the same file adds a row with a higher seq. Where two imports hold the same
-- trade (same venue, pair, candle width and time), the one imported last wins: candles dedup
-- trades by event id, taking the copy of the topic with the highest seq first
-- (streams/market/store.py). Live topics have no row (seq 0).
CREATE TABLE IF NOT EXISTS archive_imports
(
    topic       String,
    seq         UInt64 COMMENT 'import order: microseconds since the epoch, strictly increasing',
    imported_at DateTime64(6, 'UTC') DEFAULT now64(6)
)
ENGINE = ReplacingMergeTree(seq)
ORDER BY topic;
