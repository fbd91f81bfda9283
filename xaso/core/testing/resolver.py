"""Every URL pattern of the site with a sample URL that resolves to it — for the tests
that must hold for every view (CSRF, public forms and their rate limits)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver


@dataclass(frozen=True)
class Route:
    name: str  # "namespace:name", or "namespace:<route>" for an unnamed pattern
    route: str
    url: str
    callback: Any


_GROUP = re.compile(r"\(\?P<(\w+)>((?:[^()]|\([^()]*\))*)\)")
_CONVERTER = re.compile(r"<(?:(\w+):)?(\w+)>")
SAMPLES = {"int": "1", "str": "24175", "slug": "nhom-thu", "path": "1", "uuid": ""}


def _from_regex(body: str) -> str:
    options = [o for o in body.strip("()").split("|") if re.fullmatch(r"[\w-]+", o)]
    if options:
        return options[0]
    return "1" if "\\d" in body else "abc"


def sample(pattern: str) -> str:
    """A path matching a joined route: converters and regex groups filled with samples."""
    text = _GROUP.sub(lambda m: _from_regex(m.group(2)), pattern)
    text = _CONVERTER.sub(lambda m: SAMPLES[m.group(1) or "str"], text)
    text = text.replace("^", "").replace("$", "").replace("\\Z", "")
    return text.replace("\\.", ".").replace("\\", "")


def routes() -> Iterator[Route]:
    def walk(patterns: list[Any], prefix: str, namespace: str) -> Iterator[Route]:
        for p in patterns:
            if isinstance(p, URLResolver):
                ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
                yield from walk(p.url_patterns, prefix + str(p.pattern), ns)
            elif isinstance(p, URLPattern):
                route = prefix + str(p.pattern)
                name = f"{namespace}{p.name}" if p.name else f"{namespace}<{route}>"
                yield Route(name, route, "/" + sample(route), p.callback)

    yield from walk(get_resolver().url_patterns, "", "")
