"""Market views over the archive: candles (OHLCV), best bid/ask, USD conversion.

Pure parts (``freq``, ``candles``, ``books``, ``pricing``) hold the rules;
``store`` holds the ClickHouse queries that apply them to the archive.
"""
