"""Domain packs: a folder of YAML (schema + example dialogues) and JSON (database records).

See :mod:`prompts.packs.loader` for the layout and ``prompts/domains/cambridge`` for a
complete example.
"""

from __future__ import annotations

from prompts.packs.loader import (
    builtin_packs,
    check_pack,
    load_pack,
    load_pack_dialogues,
    pack_path,
)

__all__ = ["builtin_packs", "check_pack", "load_pack", "load_pack_dialogues", "pack_path"]
