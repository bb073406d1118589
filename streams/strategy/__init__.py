"""The strategy agent: runs in paper (and live) mode, hosted on ``strategy.journal``."""
