"""Text helpers for cases: masking personal data inside free text, accent-insensitive
similarity for duplicates, and distances."""

from __future__ import annotations

import itertools
import math
import re
import unicodedata

from xaso.core.personal import mask_phone
from xaso.core.text import fold

_PHONE_IN_TEXT = re.compile(r"(?<!\d)(?:\+?84|0)(?:[\s.-]?\d){8,10}(?!\d)")
_ID_IN_TEXT = re.compile(r"(?<!\d)\d{9}(?:\d{3})?(?!\d)")
_EMAIL_IN_TEXT = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")

# Words too common in reports to say two of them are about the same thing.
_STOP = frozenset(
    [
        "va",
        "la",
        "cua",
        "co",
        "cho",
        "o",
        "tai",
        "voi",
        "thi",
        "ma",
        "nay",
        "do",
        "da",
        "dang",
        "bi",
        "duoc",
        "cac",
        "nhung",
        "mot",
        "nhieu",
        "rat",
        "xin",
        "de",
        "nghi",
        "kinh",
        "gui",
        "ubnd",
        "xa",
        "thon",
        "to",
        "ban",
        "nguoi",
        "dan",
        "phan",
        "anh",
        "kien",
        "nghi",
        "viec",
        "hien",
        "nay",
        "lam",
        "khong",
        "con",
    ]
)


def mask_text(text: str) -> str:
    """Free text as the public sees it: phone, ID and e-mail numbers hidden."""
    text = _PHONE_IN_TEXT.sub(lambda m: mask_phone(m.group(0)), text or "")
    text = _ID_IN_TEXT.sub(lambda m: "x" * (len(m.group(0)) - 3) + m.group(0)[-3:], text)
    return _EMAIL_IN_TEXT.sub("[email đã ẩn]", text)


def unaccent(text: str) -> str:
    """Diacritics off, case and punctuation kept: an SMS in GSM-7 fits 160 characters
    where one with diacritics fits 70."""
    decomposed = unicodedata.normalize("NFD", text.replace("Đ", "D").replace("đ", "d"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def tokens(text: str, *, folded: bool = False) -> frozenset[str]:
    """Folded words and word pairs: "Đường hỏng" and "duong hong" give the same set.
    ``folded`` says the text already is (a case's stored search text)."""
    words = [w for w in (text if folded else fold(text)).split() if w not in _STOP and len(w) > 1]
    pairs = {f"{a}_{b}" for a, b in itertools.pairwise(words)}
    return frozenset(words) | frozenset(pairs)


def similarity(a: frozenset[str], b: frozenset[str]) -> float:
    """Overlap of two token sets, relative to the smaller: a short SMS about a road
    counts as the same as a longer web report on it."""
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    r = 6_371_000.0
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(h))


def degrees_box(lat: float, metres: float) -> tuple[float, float]:
    """Half-widths in degrees (latitude, longitude) of a square around a point."""
    dlat = metres / 111_320.0
    dlon = metres / (111_320.0 * max(math.cos(math.radians(lat)), 0.01))
    return dlat, dlon
