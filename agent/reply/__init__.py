"""Stage 4 of a turn, speaking: the system's act becomes words. :mod:`~agent.reply.writer` streams
the model's reply from a prompt, :mod:`~agent.reply.grounding` checks it against the act and the
records, and :mod:`~agent.reply.templates` writes the lexicon's template when the model's reply
does not hold.

Imports the core and :mod:`agent.language`; never the tracker, the policy or an adapter.
"""
