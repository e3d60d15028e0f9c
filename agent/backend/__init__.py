"""Stage 3 of a turn, acting: lookups over the pack's records and bookings
(:mod:`~agent.backend.records`), under the rules of what a transaction needs
(:mod:`~agent.backend.transactions`, which the policy reads too).

Imports only the core (:mod:`agent.domain`, :mod:`agent.errors`).
"""
