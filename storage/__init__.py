"""The memory store; the only code that imports ``sqlalchemy``."""
