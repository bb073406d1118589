-- One row per stored run (a backtest, later a paper session): what it ran, how it ended, its report.
-- Its inbox and output messages are in archive_messages under the topics of its namespace
-- ('<namespace>.venue.journal.v1', ...), so a replay re-publishes them like any archived namespace.
-- JSON columns hold JSON text. Storing a run again replaces its row: read with FINAL.
CREATE TABLE IF NOT EXISTS runs
(
    run_id            String,
    strategy          LowCardinality(String),
    params            String COMMENT 'JSON object: parameter -> value, as given',
    mode              LowCardinality(String) COMMENT 'backtest | paper',
    namespace         String COMMENT 'topic namespace its messages are archived under',
    source            String COMMENT 'JSON: where the market data came from',
    start_ts          Int64 COMMENT 'microseconds since the epoch',
    end_ts            Int64 COMMENT 'microseconds since the epoch (exclusive)',
    balances          String COMMENT 'JSON: initial allocations [{venue, currency, amount}], decimal strings',
    final_balances    String COMMENT 'JSON: the wallet set at the end [{venue, currency, balance, available, hold}]',
    order_latency_us  Int64 COMMENT 'decision -> venue',
    report_latency_us Int64 COMMENT 'venue -> ledger and strategy',
    status            LowCardinality(String) COMMENT 'done',
    outputs_sha256    String COMMENT 'replay.parity digest of its venue.events and ledger.events',
    outputs_count     UInt64,
    messages          String COMMENT 'JSON: archived messages per logical topic',
    report            String COMMENT 'JSON: replay.report.Report',
    created_at        DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(created_at)
ORDER BY run_id;
