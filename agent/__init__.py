"""The slotchat dialogue engine.

Kept free of imports on purpose: ``storage`` and ``prompts`` import ``agent.domain`` and must not
pull in Textual or llama.cpp by doing so.
"""
