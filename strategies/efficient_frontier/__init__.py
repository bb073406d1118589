"""The efficient-frontier diversifier: the pure Markowitz optimiser lives in ``.portfolio``."""
