"""Loudspeaker audio: Vietnamese text made speakable, then spoken offline by espeak-ng's
Vietnamese voice and converted by sox to OGG (browser) and MP3 (radio vendors).

Normalisation reads numbers, dates, times, percentages and phone numbers the way an
announcer would, expands administrative abbreviations ("UBND" → "Ủy ban nhân dân"), and
applies the commune's own lexicon first, so local place names are said right.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from xaso.citizens.clocks import VN_TZ

DIGITS = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")

ABBREVIATIONS: dict[str, str] = {
    "UBND": "Ủy ban nhân dân",
    "HĐND": "Hội đồng nhân dân",
    "MTTQ": "Mặt trận Tổ quốc",
    "TTHC": "thủ tục hành chính",
    "CCCD": "căn cước công dân",
    "BHYT": "bảo hiểm y tế",
    "BHXH": "bảo hiểm xã hội",
    "CĐS": "chuyển đổi số",
    "THCS": "trung học cơ sở",
    "THPT": "trung học phổ thông",
    "PCCC": "phòng cháy chữa cháy",
    "TP.": "thành phố",
    "TP": "thành phố",
    "TX": "thị xã",
    "TT": "thị trấn",
    "ĐT": "điện thoại",
    "SĐT": "số điện thoại",
    "km": "ki lô mét",
    "kg": "ki lô gam",
    "ha": "héc ta",
    "m2": "mét vuông",
    "m²": "mét vuông",
    "m3": "mét khối",
    "mm": "mi li mét",
    "đ": "đồng",
    "VNĐ": "đồng",
    "v.v.": "vân vân",
}


def read_number(n: int) -> str:
    """0 ≤ n < 10^15 in words: 21 → "hai mươi mốt", 105 → "một trăm linh năm",
    1_000_000 → "một triệu"."""
    if n < 0:
        return "âm " + read_number(-n)
    if n < 10:
        return DIGITS[n]
    groups: list[int] = []
    while n:
        groups.append(n % 1000)
        n //= 1000
    names = ["", "nghìn", "triệu", "tỷ", "nghìn tỷ"]
    words: list[str] = []
    top = len(groups) - 1
    for i in range(top, -1, -1):
        g = groups[i]
        if g == 0:
            continue
        words.append(_hundreds(g, full=i != top))
        if names[i]:
            words.append(names[i])
    return " ".join(words)


def _hundreds(n: int, *, full: bool) -> str:
    h, rest = divmod(n, 100)
    t, u = divmod(rest, 10)
    parts: list[str] = []
    if h or full:
        parts += [DIGITS[h], "trăm"]
    if t == 0:
        if u:
            if h or full:
                parts.append("linh")
            parts.append(DIGITS[u])
        return " ".join(parts)
    parts.append("mười" if t == 1 else f"{DIGITS[t]} mươi")
    if u == 1:
        parts.append("một" if t == 1 else "mốt")
    elif u == 5:
        parts.append("lăm")
    elif u == 4 and t > 1:
        parts.append("tư")
    elif u:
        parts.append(DIGITS[u])
    return " ".join(parts)


def read_digits(s: str) -> str:
    return " ".join(DIGITS[int(c)] for c in s if c.isdigit())


def _date(m: re.Match[str]) -> str:
    d, mo, y = int(m.group(1)), int(m.group(2)), m.group(3)
    if not (1 <= d <= 31 and 1 <= mo <= 12):
        return m.group(0)
    text = f"ngày {read_number(d)} tháng {read_number(mo)}"
    if y:
        text += f" năm {read_number(int(y))}"
    return text


def _time(m: re.Match[str]) -> str:
    h, mi = int(m.group(1)), int(m.group(2) or 0)
    if h > 23 or mi > 59:
        return m.group(0)
    return f"{read_number(h)} giờ" + (f" {read_number(mi)} phút" if mi else "")


def _decimal(m: re.Match[str]) -> str:
    whole, frac = m.group(1).replace(".", ""), m.group(2)
    frac_words = read_number(int(frac)) if not frac.startswith("0") else read_digits(frac)
    return f"{read_number(int(whole))} phẩy {frac_words}"


_PHONE = re.compile(r"(?<!\d)(0\d{2,3})[\s.]?(\d{3})[\s.]?(\d{3,4})(?!\d)")
_DATE = re.compile(r"(?:\bngày\s+)?(?<!\d)(\d{1,2})/(\d{1,2})(?:/(\d{4}))?(?!\d)")
_TIME = re.compile(r"(?<![\d/])(\d{1,2})(?:h|:|giờ\s?)(\d{2})?(?:'|p|\b)")
_DECIMAL = re.compile(r"(?<![\d,])(\d{1,3}(?:\.\d{3})*|\d+),(\d+)(?![\d,])")
_THOUSANDS = re.compile(r"(?<![\d.,])(\d{1,3}(?:\.\d{3})+)(?![\d,]|\.\d)")
_PERCENT = re.compile(r"(\d+(?:,\d+)?)\s?%")
_NUMBER = re.compile(r"(?<![\w])(\d+)(?![\w])")
_ORDINAL = re.compile(r"\bthứ\s+(\d+)\b", re.IGNORECASE)
_SPACES = re.compile(r"\s+")


def _word_pattern(word: str) -> re.Pattern[str]:
    return re.compile(rf"(?<!\w){re.escape(word)}(?!\w)")


def normalise(text: str, lexicon: Mapping[str, str] | None = None) -> str:
    """Text as it should be spoken."""
    out = text
    for written in sorted(lexicon or {}, key=len, reverse=True):
        out = re.sub(
            rf"(?<!\w){re.escape(written)}(?!\w)",
            (lexicon or {})[written],
            out,
            flags=re.IGNORECASE,
        )
    for short in sorted(ABBREVIATIONS, key=len, reverse=True):
        out = _word_pattern(short).sub(ABBREVIATIONS[short], out)
    out = _PHONE.sub(lambda m: read_digits("".join(m.groups())), out)
    out = _DATE.sub(_date, out)
    out = _TIME.sub(_time, out)
    out = _PERCENT.sub(lambda m: f"{m.group(1)} phần trăm", out)
    out = _DECIMAL.sub(_decimal, out)
    out = _THOUSANDS.sub(lambda m: read_number(int(m.group(1).replace(".", ""))), out)
    out = _ORDINAL.sub(
        lambda m: "thứ " + ("tư" if m.group(1) == "4" else read_number(int(m.group(1)))), out
    )
    out = _NUMBER.sub(
        lambda m: (
            read_number(int(m.group(1))) if len(m.group(1)) <= 15 else read_digits(m.group(1))
        ),
        out,
    )
    out = out.replace("&", " và ").replace("/", " trên ")
    return _SPACES.sub(" ", out).strip()


def bulletin_text(commune: str, title: str, body: str) -> str:
    return f"{commune} thông báo. {title}. {body} Xin nhắc lại: {title}."


@dataclass(frozen=True)
class Audio:
    ogg: bytes
    mp3: bytes
    seconds: float


class SpeechUnavailable(RuntimeError):
    pass


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise SpeechUnavailable(
            f"Chưa cài {name} (gói Debian: espeak-ng, sox, libsox-fmt-mp3) "
            "nên chưa tạo được âm thanh."
        )
    return path


def synthesise(spoken: str, *, voice: str = "vi", speed: int = 150) -> Audio:
    espeak, sox = _tool("espeak-ng"), _tool("sox")
    with tempfile.TemporaryDirectory(prefix="xaso-tts-") as tmp:
        folder = Path(tmp)
        (folder / "text.txt").write_text(spoken, encoding="utf-8")
        wav, ogg, mp3 = folder / "a.wav", folder / "a.ogg", folder / "a.mp3"
        subprocess.run(
            [espeak, "-v", voice, "-s", str(speed), "-f", str(folder / "text.txt"), "-w", str(wav)],
            check=True,
            capture_output=True,
            timeout=60,
        )
        # Loudspeakers are mono and band-limited: 22 kHz mono, normalised loudness.
        subprocess.run(
            [sox, str(wav), "-c", "1", str(ogg), "norm", "-1"],
            check=True,
            capture_output=True,
            timeout=60,
        )
        subprocess.run(
            [sox, str(wav), "-c", "1", "-C", "64", str(mp3), "norm", "-1"],
            check=True,
            capture_output=True,
            timeout=60,
        )
        seconds = _wav_seconds(wav.read_bytes())
        return Audio(ogg.read_bytes(), mp3.read_bytes(), seconds)


def _wav_seconds(data: bytes) -> float:
    import io
    import wave

    try:
        with wave.open(io.BytesIO(data)) as w:
            return float(w.getnframes()) / float(w.getframerate())
    except (wave.Error, EOFError, ZeroDivisionError):
        return 0.0


_HHMM = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


def parse_schedule(text: str) -> list[str]:
    times = [t.strip() for t in text.replace(";", ",").split(",") if t.strip()]
    if not times:
        raise ValueError("Hãy nhập ít nhất một giờ phát, ví dụ 06:00,17:30.")
    bad = [t for t in times if not _HHMM.match(t)]
    if bad:
        raise ValueError(f"Giờ phát không hợp lệ: {', '.join(bad)} (dạng HH:MM).")
    return sorted({f"{int(t.split(':')[0]):02d}:{t.split(':')[1]}" for t in times})


def next_plays(
    schedule: str, now: dt.datetime, *, urgent: bool, count: int = 2
) -> list[dt.datetime]:
    """The next broadcast slots; an urgent bulletin also plays right away."""
    local = now.astimezone(VN_TZ)
    slots: list[dt.datetime] = [local] if urgent else []
    day = local.date()
    times = parse_schedule(schedule)
    while len(slots) < count + (1 if urgent else 0):
        for t in times:
            h, m = (int(x) for x in t.split(":"))
            moment = dt.datetime.combine(day, dt.time(h, m), tzinfo=VN_TZ)
            if moment > local:
                slots.append(moment)
        day += dt.timedelta(days=1)
    return slots[: count + (1 if urgent else 0)]
