"""Kraken feed: symbols, parser, markets and connector."""
