"""Coinbase feed: symbols, parser, markets and connector."""
