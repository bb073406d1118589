"""The ClickHouse archive of every topic.

- ``sink``: the Kafka consumer that archives batches (I/O shell);
- ``candles``: candle refreshes for several batches' trades at once (I/O shell);
- ``writer``: one batch into ``archive_messages`` (bytes + coordinates, for
  replay) and the typed tables, decoding the next batch while inserting;
- ``decode`` / ``columnar``: bulk Avro decoding into Arrow columns (pure);
- ``tables``: the typed tables, generated from the event classes (pure);
- ``reader``: archived market events back, in journal order, in pages;
- ``clickhouse``: the client (chDB or a server) and the DDL.
"""
