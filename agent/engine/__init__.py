"""The engine: one turn from the user's text to a stored reply, through the stages (tracking,
policy, backend, reply) and the ports (model, memory, prompts). :mod:`~agent.engine.dialogue`
is the only door the CLI and the TUI use.

Imports the stages and the core; never an adapter (``agent.llm``, ``prompts``, ``storage``) or
the TUI: the composition root (``cli``) hands it their objects.
"""
