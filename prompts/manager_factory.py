"""Building prompt managers: one exemplar index for a whole bank, many cheap managers on it.

For ``eval sgd``::

    index = build_exemplar_index(train_turns, train_schema)        # once, ~10 s for SGD train
    for dialogue in dev_dialogues:
        schema = schema_for_services(dev_schema, dialogue.services)
        prompts = build_tracker_prompts(schema, index, model.count_tokens)

For the chat engine: ``build_tracker_prompts(pack.schema, pack.exemplars, model.count_tokens)``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from agent.domain import AnnotatedTurn, DomainSchema
from prompts.manager import DEFAULT_BUDGET, CountTokens, PromptManager
from prompts.retrieval import ExemplarIndex
from prompts.selectors import ExemplarSelector, make_selector

DEFAULT_STRATEGY = "dialogue"
DEFAULT_K = 4


def build_exemplar_index(
    bank: Iterable[AnnotatedTurn], bank_schema: DomainSchema | None = None
) -> ExemplarIndex:
    """Index ``bank`` (e.g. all SGD train turns) once; share it between managers and threads
    (searches only read it). ``bank_schema`` (the bank's own schema, e.g. SGD train's) lets
    services missing from the bank borrow rewritten exemplars from similar services."""
    return ExemplarIndex(bank, bank_schema).warm()


def build_selector(
    schema: DomainSchema,
    bank: Sequence[AnnotatedTurn] | ExemplarIndex,
    *,
    strategy: str = DEFAULT_STRATEGY,
    k: int = DEFAULT_K,
    bank_schema: DomainSchema | None = None,
) -> ExemplarSelector:
    """The LangChain example selector of ``strategy`` (see ``prompts.selectors.STRATEGIES``)."""
    index = bank if isinstance(bank, ExemplarIndex) else ExemplarIndex(bank, bank_schema or schema)
    return make_selector(strategy, index, schema, k)


def build_tracker_prompts(
    schema: DomainSchema,
    bank: Sequence[AnnotatedTurn] | ExemplarIndex,
    count_tokens: CountTokens,
    *,
    strategy: str = DEFAULT_STRATEGY,
    k: int = DEFAULT_K,
    budget: int = DEFAULT_BUDGET,
    bank_schema: DomainSchema | None = None,
) -> PromptManager:
    """A :class:`PromptManager` (implements ``agent.ports.TrackerPrompts``) for ``schema``.

    ``bank``: exemplar turns, or an index built once by :func:`build_exemplar_index`.
    ``count_tokens``: the model's tokenizer (``ChatModel.count_tokens``).
    ``strategy``: ``dialogue`` (default: retrieved per dialogue, kept in the cached prefix),
    ``fixed``, ``bm25`` (IC-DST per turn) or ``hybrid``; see :mod:`prompts.selectors`.
    ``k``: exemplars for the first service (later services of a dialogue get ``k // 2``).
    ``budget``: tokens for the whole tracker prompt. A schema that leaves too little room raises
    ``DomainError``; exemplars that do not fit are dropped.
    """
    selector = build_selector(schema, bank, strategy=strategy, k=k, bank_schema=bank_schema)
    return PromptManager(schema, selector, count_tokens, budget=budget)
