-- OHLCV candles of archived public trades, one row per venue, pair, width and bucket.
-- Filled by streams/market/store.py refresh_candles (INSERT ... SELECT): 1m buckets
-- from archive_public_trade FINAL (a trade counts once per event_id), each wider
-- width from the one below (5m from 1m, 1h from 5m, 1d from 1h). A refresh rewrites
-- whole buckets; the latest refresh of a bucket wins (read with FINAL).
-- last_recv_ts is the latest receive time among a bucket's trades: a query with
-- received_before > last_recv_ts may use the row as is, others recompute the
-- bucket from the trades received before (no lookahead).
CREATE TABLE IF NOT EXISTS market_candles
(
    venue        LowCardinality(String),
    pair         LowCardinality(String),
    width_us     Int64 COMMENT 'bucket width: 60e6 (1m), 300e6 (5m), 3600e6 (1h), 86400e6 (1d)',
    start        Int64 COMMENT 'bucket start, microseconds since the epoch',
    open         Int64,
    high         Int64,
    low          Int64,
    close        Int64,
    volume       Int64,
    trades       UInt64,
    last_recv_ts Int64,
    refreshed_at DateTime64(6, 'UTC') DEFAULT now64(6)
)
ENGINE = ReplacingMergeTree(refreshed_at)
ORDER BY (venue, pair, width_us, start);
