"""Poloniex feed: symbols, parser, markets and connector."""
