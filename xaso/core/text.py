"""Vietnamese text folding for accent-insensitive search ("hoa phu" finds "Hòa Phú")."""

from __future__ import annotations

import re
import unicodedata

_NON_WORD = re.compile(r"[^a-z0-9]+")


def fold(text: str) -> str:
    """Lowercase ASCII with Vietnamese marks removed and đ → d; words separated by one space."""
    decomposed = unicodedata.normalize("NFD", text.replace("Đ", "D").replace("đ", "d"))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NON_WORD.sub(" ", stripped.lower()).strip()
