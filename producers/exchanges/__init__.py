"""Exchange feeds: pure parsers (raw venue message -> market events) and their I/O connectors.

One folder per venue with the same layout:

- ``symbols.py``  venue symbol <-> normalised pair ``BASE-QUOTE``
- ``parse.py``    a small parser object per connection: ``parse(raw, recv_ts) -> list[event]``
- ``markets.py``  REST product list -> ``MarketListed`` (where the venue's list was captured)
- ``connect.py``  websocket I/O: subscribe, reconnect, resnapshot, staleness

Shared pieces: ``numbers`` (exact fixed-point conversion), ``feed`` (the parser
protocol, event helpers, errors), ``capture`` (the recorded-capture line format).
"""
