"""The I/O floor: what every folder above may use to reach the outside, and the pure cores never do.

Kafka client helpers (topics, the one idempotent producer, reading a partition), the ClickHouse port
(a ``Protocol``) and DSN, and the settings. It imports nothing of ours but ``schemas`` (DESIGN §1;
``tests/unit/architecture``).
"""
