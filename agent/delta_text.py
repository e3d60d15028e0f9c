"""The text form of a state change, as the tracker model writes it and exemplars show it.

One compact JSON object on one line::

    {"intent": "book_restaurant", "restaurant-food": "italian", "restaurant-area": null,
     "requested": ["restaurant-phone"]}

Keys are full slot names (``service-slot``) with a string value (``"dontcare"`` for no
preference) or ``null`` to delete the slot; plus two reserved keys that can never clash with slot
names (slot names always contain ``-``): ``"intent"`` (an intent name of the turn's service) and
``"requested"`` (slots whose value the user asked for). ``{}`` means the turn changed nothing.
Order: intent first, then slots sorted by name (deletions included), then requested: the model
commits to the task before the details, and a grammar can allow each slot at most once by
following the sorted order.

Standard library only; shared by the prompt manager (rendering exemplars) and the tracker
(grammar and parsing), so both always agree.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from agent.domain import StateDelta

INTENT_KEY = "intent"
REQUESTED_KEY = "requested"


def render_delta(delta: StateDelta, intent_of: Mapping[str, str] | None = None) -> str:
    """The one-line JSON for ``delta``. ``intent_of`` limits intents to the given services."""
    out: dict[str, object] = {}
    intents = [i for s, i in delta.intents.items() if intent_of is None or s in intent_of]
    if intents:
        out[INTENT_KEY] = intents[-1]
    changed: dict[str, str | None] = dict.fromkeys(delta.deleted)
    changed.update(delta.set)
    out.update(sorted(changed.items()))
    if delta.requested:
        out[REQUESTED_KEY] = sorted(delta.requested)
    return json.dumps(out, ensure_ascii=False, separators=(", ", ": "))


def parse_delta(text: str, service_of_intent: Mapping[str, str] | None = None) -> StateDelta:
    """Parse the model's JSON. Raises ``ValueError`` on text that is not a JSON object.

    ``service_of_intent`` maps intent names to their service, so that the predicted intent is
    attributed to the right service; unknown intents are dropped.
    """
    data = json.loads(text)
    if not isinstance(data, dict):
        raise ValueError(f"expected a JSON object, got {type(data).__name__}")
    intents: dict[str, str] = {}
    intent = data.pop(INTENT_KEY, None)
    if isinstance(intent, str) and service_of_intent and intent in service_of_intent:
        intents[service_of_intent[intent]] = intent
    requested = data.pop(REQUESTED_KEY, None) or []
    sets = {k: str(v) for k, v in data.items() if v is not None and "-" in k}
    deleted = frozenset(k for k, v in data.items() if v is None and "-" in k)
    return StateDelta(
        set=sets,
        deleted=deleted,
        intents=intents,
        requested=frozenset(str(r) for r in requested if isinstance(r, str)),
    )
