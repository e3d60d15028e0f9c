"""Stage 2 of a turn, deciding: from the state and the records, the system's next act (inform,
offer, request, confirm, book) in :mod:`~agent.policy.choose`.

Imports the core, :mod:`agent.language` and the transaction rules of
:mod:`agent.backend.transactions`; never the tracker, the reply or an adapter.
"""
