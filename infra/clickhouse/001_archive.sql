-- Every message of every topic, byte for byte, with its Kafka coordinates.
-- Re-delivered messages collapse on (topic, partition, offset): read with FINAL.
CREATE TABLE IF NOT EXISTS archive_messages
(
    topic       LowCardinality(String),
    partition   UInt16,
    offset      UInt64,
    key         String,
    event_type  LowCardinality(String),
    event_id    String,
    ts          Int64 COMMENT 'event time, microseconds since the epoch',
    value       String COMMENT 'Avro single-object encoded event',
    kafka_ts    DateTime64(3, 'UTC'),
    archived_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree
ORDER BY (topic, partition, offset);
