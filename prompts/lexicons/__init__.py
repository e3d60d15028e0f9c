"""Lexicon files, one per language: the words the engine's rules read (see
``agent.language.lexicon``).

Data only; ``prompts.packs`` loads them. A folder with an ``__init__`` so that the YAML files
ship as package data.
"""
