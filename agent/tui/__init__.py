"""The terminal UI; the only code that imports ``textual``."""
