"""Which prompt tokens need evaluating: the live KV cache plus saved states of static prefixes.

Two mechanisms, both keyed by tokens:

* the live cache keeps whatever the last generation left in the context; a new prompt reuses its
  longest common token prefix (follow-up turns of the same conversation cost only their new
  tokens);
* each static prefix (the leading ``cache=True`` messages) is saved as a llama.cpp sequence state
  right after it is first evaluated. The last few are kept (LRU), so alternating between, say, the
  tracker's prefix and the responder's prefix restores a state (a memory copy) instead of
  evaluating hundreds of tokens again.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from typing import Any

from agent.llm import _native as native_api
from agent.llm._native import Decoder, Native

log = logging.getLogger(__name__)


class PromptCache:
    def __init__(self, native: Native, decoder: Decoder, *, slots: int = 4) -> None:
        self._native = native
        self._decoder = decoder
        self._slots = slots
        self._saved: OrderedDict[tuple[int, ...], Any] = OrderedDict()
        self.live: list[int] = []

    def load(self, prefix: list[int], tail: list[int]) -> int:
        """Leave the context holding ``prefix + tail`` with logits for the last token; return how
        many of those tokens were reused rather than evaluated."""
        if not tail:  # at least one token must be evaluated to get logits
            prefix, tail = prefix[:-1], prefix[-1:]
        prompt = prefix + tail
        try:
            position = reused = self._reuse_live(prompt)
            how = "live cache"
            if prefix and position < len(prefix):
                position, reused, how = self._restore_or_build(prefix, position)
            self.evaluate(prompt[position:])
        except BaseException:
            self.reset()  # the context no longer matches ``live``: start clean next time
            raise
        log.debug(
            "prompt cache %s: %d of %d prompt tokens reused (%s; %d prefix states saved)",
            "hit" if reused else "miss",
            reused,
            len(prompt),
            how,
            len(self._saved),
        )
        return reused

    def evaluate(self, tokens: list[int]) -> None:
        self._decoder.feed(tokens)
        self.live.extend(tokens)

    def step(self, token: int) -> None:
        """Evaluate one generated token (the hot path)."""
        self._decoder.step(token)
        self.live.append(token)

    def reset(self, *, saved: bool = False) -> None:
        """Empty the context (and with ``saved``, forget the saved prefix states too)."""
        native_api.clear(self._native)
        self.live = []
        if saved:
            self._saved.clear()

    def _reuse_live(self, prompt: list[int]) -> int:
        common = _common_prefix(self.live, prompt)
        common = min(common, len(prompt) - 1)
        if common < len(self.live):
            if native_api.forget_from(self._native, common):
                del self.live[common:]
            else:
                log.debug("the KV cache cannot drop a tail here; starting from empty")
                self.reset()
                common = 0
        return common

    def _restore_or_build(self, prefix: list[int], reused: int) -> tuple[int, int, str]:
        """(position reached, tokens reused, how) after making the context hold ``prefix``."""
        key = tuple(prefix)
        state = self._saved.get(key)
        if state is not None and native_api.restore_sequence(self._native, state):
            self._saved.move_to_end(key)
            self.live = list(prefix)
            return len(prefix), len(prefix), "saved prefix state restored"
        if state is not None:
            log.debug("restoring a saved prefix state failed; evaluating it again")
            self.reset()
            reused = 0
        self.evaluate(prefix[reused:])
        self._save(key)
        return len(prefix), reused, "prefix evaluated and saved"

    def _save(self, key: tuple[int, ...]) -> None:
        state = native_api.save_sequence(self._native)
        if state is None:
            log.debug("could not save the prefix state")
            return
        self._saved[key] = state
        while len(self._saved) > self._slots:
            self._saved.popitem(last=False)


def _common_prefix(a: list[int], b: list[int]) -> int:
    limit = min(len(a), len(b))
    for index in range(limit):
        if a[index] != b[index]:
            return index
    return limit
