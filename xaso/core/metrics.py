"""Gauges any app can add to /metrics (queue depths, outbox backlog…) without the site
layer importing it: the app registers a function in its AppConfig.ready()."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

# A reading: (label values, value) pairs, e.g. [({"status": "queued"}, 12.0)].
Reading = Iterable[tuple[dict[str, str], float]]


@dataclass(frozen=True)
class Gauge:
    name: str
    help: str
    labels: tuple[str, ...]
    read: Callable[[], Reading]


_gauges: dict[str, Gauge] = {}


def register_gauge(
    name: str, help: str, read: Callable[[], Reading], *, labels: tuple[str, ...] = ()
) -> None:
    _gauges[name] = Gauge(name, help, labels, read)


def gauges() -> list[Gauge]:
    return list(_gauges.values())
