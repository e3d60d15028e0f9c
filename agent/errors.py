"""Errors whose messages are written for the person at the terminal.

Each says what went wrong and what to do about it. ``main.py`` prints ``str(error)`` as one line
on stderr and exits with ``exit_code``; the TUI shows it as a notification.
"""

from __future__ import annotations


class SlotchatError(Exception):
    """Base class. The message is shown to the user as is."""

    exit_code = 1


class UsageError(SlotchatError):
    """The command line or a setting is wrong."""

    exit_code = 2


class ModelError(SlotchatError):
    """A model pack is missing, corrupt, or failed to load or generate."""


class ModelNotFound(ModelError):
    pass


class ChecksumMismatch(ModelError):
    pass


class GenerationCancelled(ModelError):
    """Raised inside a generation loop when the user cancelled it."""


class StorageError(SlotchatError):
    """The memory store cannot be opened, read or written."""


class DatabaseUnavailable(StorageError):
    pass


class DatabaseTooNew(StorageError):
    pass


class NotFound(SlotchatError):
    """A conversation, turn, domain or model named by the user does not exist."""


class DomainError(SlotchatError):
    """A domain pack or a dialogue file is invalid. The message names file, line and field."""


class ScriptError(DomainError):
    """A scripted dialogue test file is invalid."""
