"""Bitfinex feed: symbols, parser, markets and connector."""
