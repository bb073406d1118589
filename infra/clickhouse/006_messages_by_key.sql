-- A run's messages by key and time (GET /runs/{id}/messages): a projection of the archive's coordinates
-- sorted by (key, ts), so a page of one run's messages reads in order from where it starts instead of
-- sorting every message of the topic. ReplacingMergeTree keeps projections only when told how to
-- merge them, and lets DELETE (a backtest stored again) touch a table with one only when told how:
-- 'rebuild' builds the projection of a merged or mutated part anew.
ALTER TABLE archive_messages MODIFY SETTING deduplicate_merge_projection_mode = 'rebuild',
    lightweight_mutation_projection_mode = 'rebuild';
ALTER TABLE archive_messages ADD PROJECTION IF NOT EXISTS messages_by_key
(
    SELECT key, ts, topic, partition, offset, event_type
    ORDER BY key, ts, topic, partition, offset
);
