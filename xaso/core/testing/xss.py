"""Tải trọng XSS — cross-site scripting payloads, and the checks a rendered page must pass.

Every payload carries its own marker (``x5s042``) and, if it ever runs, sets
``top.__xss`` to that marker (or calls ``alert``): a browser test traps both, a test
client test parses the page and looks for any payload in a place where it would run.
The list is generated: classic tags, event handlers, ``javascript:`` URLs, SVG and
MathML, mutation XSS, attribute and element breakouts, template injection, and encoded
or obfuscated variants — a few hundred distinct strings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser


def action(n: int) -> str:
    return f"top.__xss=/x5s{n:03d}/"


# {a} is the script to run; every vector runs it without quotes or spaces in it.
VECTORS = (
    "<script>{a}</script>",
    "<ScRiPt>{a}</sCrIpT>",
    "<script src=data:,{a}></script>",
    "<script>/*</script><script>*/{a}</script>",
    "<img src=x onerror={a}>",
    '<img src="x" onerror="{a}">',
    "<img src=x onerror={a}//",
    "<image src=x onerror={a}>",
    "<svg onload={a}>",
    "<svg/onload={a}>",
    "<svg><script>{a}</script></svg>",
    "<svg><animate onbegin={a} attributeName=x dur=1s>",
    '<svg><a xlink:href="javascript:{a}"><text x=9 y=9>x</text></a></svg>',
    "<math><mtext><table><mglyph><style><img src=x onerror={a}>",
    '<noscript><p title="</noscript><img src=x onerror={a}>">',
    "<body onload={a}>",
    "<iframe src=javascript:{a}></iframe>",
    '<iframe srcdoc="<script>{a}</script>"></iframe>',
    '<a href="javascript:{a}">bấm</a>',
    "<a href=jAvAsCrIpT:{a}>bấm</a>",
    "<details open ontoggle={a}>",
    "<input autofocus onfocus={a}>",
    "<select autofocus onfocus={a}></select>",
    "<textarea autofocus onfocus={a}></textarea>",
    "<video><source onerror={a}></video>",
    "<audio src=x onerror={a}>",
    '<object data="javascript:{a}"></object>',
    '<embed src="javascript:{a}">',
    "<form><button formaction=javascript:{a}>x</button></form>",
    "<marquee onstart={a}>x</marquee>",
    '<meta http-equiv="refresh" content="0;url=javascript:{a}">',
    '<base href="javascript:{a}//">',
    '<link rel=stylesheet href="javascript:{a}">',
    "<div style=background:url(javascript:{a})>x</div>",
    "<scr<script>ipt>{a}</scr</script>ipt>",
    "<<script>{a}//<</script>",
)
# Where the text lands in a page, and how it tries to get out of there.
BREAKOUTS = ("", '">', "'>", "</textarea>", "</title>", "</script>", "-->")
# Payloads without a tag of their own.
SPECIAL = (
    '" onmouseover="{a}" autofocus onfocus="{a}" x="',
    "' onmouseover='{a}' autofocus onfocus='{a}' x='",
    "javascript:{a}",
    "JaVaScRiPt:{a}",
    "data:text/html,<script>{a}</script>",
    "{{{{constructor.constructor('{a}')()}}}}",
    "&lt;script&gt;{a}&lt;/script&gt;",
    "&#60;script&#62;{a}&#60;/script&#62;",
    "%3Cscript%3E{a}%3C/script%3E",
    "\\u003cscript\\u003e{a}\\u003c/script\\u003e",
    "\\x3cscript\\x3e{a}\\x3c/script\\x3e",
    "＜script＞{a}＜/script＞",
    "<scr\u200bipt>{a}</scr\u200bipt>",
    "<img src=x onerror=&#116;op.__xss=1 alt={a}>",
    "<img src=x onerror=\u2028{a}>",
    "<a href=&#106;avascript:{a}>x</a>",
    "<svg><style><img src=x onerror={a}></style></svg>",
    "<!--<img src=--><img src=x onerror={a}//>",
    "</p><p onclick={a}>",
    "</a><a href=javascript:{a}>",
    "</option></select><img src=x onerror={a}>",
    "]]><img src=x onerror={a}>",
    "<x onclick={a}>bấm</x>",
)
# Server-side template injection: if any of these is evaluated, 49 appears by the marker.
TEMPLATES = ("{{{{7*7}}}}", "${{7*7}}", "#{{7*7}}", "{{% widthratio 7 1 7 %}}", "<%= 7*7 %>")


@dataclass(frozen=True)
class Payload:
    n: int
    text: str

    @property
    def marker(self) -> str:
        return f"x5s{self.n:03d}"

    @property
    def risky(self) -> bool:
        """Contains a character that escaping must change (so raw, it is a failure)."""
        return any(ch in self.text for ch in "<>\"'&")


def payloads() -> list[Payload]:
    texts: list[str] = []
    n = 0
    for breakout in BREAKOUTS:
        for vector in VECTORS:
            texts.append(breakout + vector.format(a=action(n)))
            n += 1
    for special in SPECIAL:
        texts.append(special.format(a=action(n)))
        n += 1
    for template in TEMPLATES:
        texts.append(template.format() + f"x5s{n:03d}")
        n += 1
    out = [Payload(i, t) for i, t in enumerate(texts)]
    assert len({p.text for p in out}) == len(out), "payloads must be distinct"
    assert all(p.marker in p.text for p in out)
    return out


TRAP_SCRIPT = """
Object.defineProperty(window, '__xss_hits', {value: [], writable: false});
(() => {
  const hit = (what) => { try { top.__xss_hits.push(String(what)); } catch (e) {} };
  let value;
  Object.defineProperty(window, '__xss', {get: () => value, set: (v) => { value = v; hit(v); }});
  window.alert = window.confirm = window.prompt = (m) => hit('dialog ' + m);
})();
"""

_URL_ATTRIBUTES = {"href", "src", "action", "formaction", "data", "xlink:href", "poster",
                   "background", "codebase", "cite"}  # fmt: skip
_SCHEMES = ("javascript:", "vbscript:", "data:text/html")
_TEMPLATE_HIT = re.compile(r"49\s*x5s\d{3}")


def _squeeze(value: str) -> str:
    return re.sub(r"[\x00-\x20]", "", value).lower()


class _Finder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._in: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = {name: value or "" for name, value in attrs}
        for name, value in named.items():
            if "x5s" not in value and "__xss" not in value:
                continue
            runs = (
                name.startswith("on")
                or name == "srcdoc"  # its value is a whole page, entities and all
                or (name in _URL_ATTRIBUTES and _squeeze(value).startswith(_SCHEMES))
                or (name == "style" and ("javascript:" in value or "expression(" in value))
                or (tag == "script" and name == "src")
                or (tag == "meta" and "refresh" in named.get("http-equiv", ""))
                or (tag == "base" and name == "href")
            )
            if runs:
                self.found.append(f"<{tag} {name}={value[:80]!r}>")
        if tag in ("script", "style"):
            self._in = tag

    def handle_endtag(self, tag: str) -> None:
        if tag == self._in:
            self._in = None

    def handle_data(self, data: str) -> None:
        if self._in in ("script", "style") and "__xss" in data:
            self.found.append(f"<{self._in}>{data[:80]!r}")


def executable_spots(html: str) -> list[str]:
    """Places in a page where a payload would run: an injected script, an event handler
    or URL attribute carrying one, or an evaluated template expression."""
    finder = _Finder()
    finder.feed(html)
    finder.close()
    return finder.found + [m.group(0) for m in _TEMPLATE_HIT.finditer(html)]


def unescaped(html: str, planted: list[Payload]) -> list[str]:
    """Payloads that appear in the page exactly as written (escaping would have changed
    at least one of their characters)."""
    return [p.text for p in planted if p.risky and p.text in html]
