"""Reading words through the pack's language: the lexicon (a language's words, shipped per
language in ``prompts/lexicons`` and extended by packs), value normalization, yes/no answers, and
the kind of value a slot holds.

Every stage reads words through here, so no stage names a word itself. Imports only
:mod:`agent.domain` and the standard library (the shipped English lexicon is loaded lazily, for
callers that bring none).
"""
