"""The engine: one turn from the user's text to a stored reply, through the stages (tracking,
policy, backend, reply) and the ports (model, memory, prompts). :mod:`~agent.engine.dialogue`
(a message, a regenerate, an edit-and-resend, a state edit) and
:mod:`~agent.engine.session_service` (list, search, open, rename, archive, delete, restore) are
the TUI's only doors (it never works the store itself).

Imports the stages and the core; never an adapter (``agent.llm``, ``prompts``, ``storage``) or
the TUI: the composition root (``cli``) hands it their objects.
"""
