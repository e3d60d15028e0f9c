"""Errors raised in thread workers become notifications that say what to do, never tracebacks.

``SlotchatError`` messages are written for the user and shown as they are; anything else is
logged with its traceback and shown as one line. ``SLOTCHAT_DEBUG=1`` lets it propagate.
"""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Callable
from typing import Any, Concatenate, ParamSpec, Protocol, TypeVar, cast

from textual.app import App

from agent.errors import SlotchatError

log = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")


class HasApp(Protocol):
    @property
    def app(self) -> App[Any]: ...


S = TypeVar("S", bound=HasApp)


def user_message(error: BaseException) -> str:
    if isinstance(error, SlotchatError):
        return str(error)
    return (
        f"Unexpected error: {type(error).__name__}: {error}. "
        "Run with SLOTCHAT_DEBUG=1 for details, and report it if it persists."
    )


def notify_error(app: App[Any], error: BaseException) -> None:
    """Show ``error`` from any thread."""
    app.call_from_thread(
        app.notify, user_message(error), severity="error", timeout=12, markup=False
    )


def report_errors(
    method: Callable[Concatenate[S, P], R],
) -> Callable[Concatenate[S, P], R | None]:
    """For methods run in thread workers: show errors as notifications and return None."""

    @functools.wraps(method)
    def run(self: S, *args: P.args, **kwargs: P.kwargs) -> R | None:
        try:
            return method(self, *args, **kwargs)
        except Exception as error:
            if os.environ.get("SLOTCHAT_DEBUG") == "1":
                raise
            if not isinstance(error, SlotchatError):
                log.exception("unexpected error in a worker")
            notify_error(self.app, error)
            return None

    return cast(Callable[Concatenate[S, P], R | None], run)
