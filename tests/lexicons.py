"""The lexicon that test schemas built by hand read: the shipped English and Korean files, as
the cambridge pack declares them (``language: [en, ko]``)."""

from __future__ import annotations

from prompts.packs._lexicon import language_lexicon

EN_KO = language_lexicon("en").merged(language_lexicon("ko"))
