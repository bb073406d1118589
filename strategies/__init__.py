"""The strategy API (``strategies.api``), the runtime, the registry and the built-in strategies."""
