-- Skip indexes for the audit reports (replay/audit/, infra/clickhouse/README.md says which query each serves).
-- The typed tables are sorted by their Kafka coordinates (or venue, pair first: the book tables); a report
-- that looks for one order, one posting's cause or one account would read every granule of the namespace's
-- topic. A skip index lets it read only the granules that may hold the value.
-- Applied to existing archives too: ADD INDEX IF NOT EXISTS changes nothing the second time; an index
-- added to a table with data covers only parts written afterwards until materialised, so each ADD is
-- followed by its MATERIALIZE, which streams.archive.clickhouse runs only when that ADD created the index
-- (a rewrite of the index files, once, not at every start).

-- One order's events (order trail, order_namespace): bloom filters on order_id.
ALTER TABLE archive_order_requested ADD INDEX IF NOT EXISTS order_id_bloom order_id TYPE bloom_filter(0.01) GRANULARITY 1;
ALTER TABLE archive_order_requested MATERIALIZE INDEX order_id_bloom;
ALTER TABLE archive_funds_held ADD INDEX IF NOT EXISTS order_id_bloom order_id TYPE bloom_filter(0.01) GRANULARITY 1;
ALTER TABLE archive_funds_held MATERIALIZE INDEX order_id_bloom;
ALTER TABLE archive_order_accepted ADD INDEX IF NOT EXISTS order_id_bloom order_id TYPE bloom_filter(0.01) GRANULARITY 1;
ALTER TABLE archive_order_accepted MATERIALIZE INDEX order_id_bloom;
ALTER TABLE archive_order_rejected ADD INDEX IF NOT EXISTS order_id_bloom order_id TYPE bloom_filter(0.01) GRANULARITY 1;
ALTER TABLE archive_order_rejected MATERIALIZE INDEX order_id_bloom;
ALTER TABLE archive_order_opened ADD INDEX IF NOT EXISTS order_id_bloom order_id TYPE bloom_filter(0.01) GRANULARITY 1;
ALTER TABLE archive_order_opened MATERIALIZE INDEX order_id_bloom;
ALTER TABLE archive_order_filled ADD INDEX IF NOT EXISTS order_id_bloom order_id TYPE bloom_filter(0.01) GRANULARITY 1;
ALTER TABLE archive_order_filled MATERIALIZE INDEX order_id_bloom;
ALTER TABLE archive_cancel_requested ADD INDEX IF NOT EXISTS order_id_bloom order_id TYPE bloom_filter(0.01) GRANULARITY 1;
ALTER TABLE archive_cancel_requested MATERIALIZE INDEX order_id_bloom;
ALTER TABLE archive_cancel_rejected ADD INDEX IF NOT EXISTS order_id_bloom order_id TYPE bloom_filter(0.01) GRANULARITY 1;
ALTER TABLE archive_cancel_rejected MATERIALIZE INDEX order_id_bloom;
ALTER TABLE archive_hold_released ADD INDEX IF NOT EXISTS order_id_bloom order_id TYPE bloom_filter(0.01) GRANULARITY 1;
ALTER TABLE archive_hold_released MATERIALIZE INDEX order_id_bloom;
ALTER TABLE archive_order_done ADD INDEX IF NOT EXISTS order_id_bloom order_id TYPE bloom_filter(0.01) GRANULARITY 1;
ALTER TABLE archive_order_done MATERIALIZE INDEX order_id_bloom;
-- One order's settlement and fee postings (order trail: startsWith(cause_id, '<order id>:')): n-grams of
-- the cause id, which LIKE-prefix and startsWith lookups can test.
ALTER TABLE archive_wallet_movement ADD INDEX IF NOT EXISTS cause_ngrams cause_id TYPE ngrambf_v1(4, 4096, 3, 7) GRANULARITY 1;
ALTER TABLE archive_wallet_movement MATERIALIZE INDEX cause_ngrams;
-- One account's ledger (ledger conservation with an account): ledger.events is keyed by account, so an
-- account's rows sit in its partition's granules; a set index on account skips the others.
ALTER TABLE archive_wallet_movement ADD INDEX IF NOT EXISTS account_set account TYPE set(64) GRANULARITY 1;
ALTER TABLE archive_wallet_movement MATERIALIZE INDEX account_set;
ALTER TABLE archive_funds_held ADD INDEX IF NOT EXISTS account_set account TYPE set(64) GRANULARITY 1;
ALTER TABLE archive_funds_held MATERIALIZE INDEX account_set;
ALTER TABLE archive_hold_released ADD INDEX IF NOT EXISTS account_set account TYPE set(64) GRANULARITY 1;
ALTER TABLE archive_hold_released MATERIALIZE INDEX account_set;
ALTER TABLE archive_deposit_funds ADD INDEX IF NOT EXISTS account_set account TYPE set(64) GRANULARITY 1;
ALTER TABLE archive_deposit_funds MATERIALIZE INDEX account_set;
ALTER TABLE archive_withdraw_funds ADD INDEX IF NOT EXISTS account_set account TYPE set(64) GRANULARITY 1;
ALTER TABLE archive_withdraw_funds MATERIALIZE INDEX account_set;
ALTER TABLE archive_order_filled ADD INDEX IF NOT EXISTS account_set account TYPE set(64) GRANULARITY 1;
ALTER TABLE archive_order_filled MATERIALIZE INDEX account_set;
