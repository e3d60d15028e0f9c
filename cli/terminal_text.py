"""Text from the store or from a file, made safe to print on a terminal.

Stored and imported text is other people's (a shared database, an import file, a model's
reply): an escape sequence in it could move the cursor, rewrite the screen, set the window title
or, on some terminals, write a file. Every control character but newline and tab (C0, DEL and
C1, which covers ESC, CSI and OSC) is shown as a visible ``\\xNN`` instead of being obeyed.
"""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    """``text`` with every control character but ``\\n`` and ``\\t`` written out visibly."""
    return _CONTROL.sub(lambda found: f"\\x{ord(found.group()):02x}", text)
