"""Minh chứng — what higher apps add to evidence without assessments importing them.

Connectors checks the digital signature of every PDF as it is uploaded and shows the
verdict beside the file; it registers here (as ``xaso.assessments.measured`` does for
measured values)::

    register_evidence_listener("connectors.signatures", lambda evidence_id: ...)
    register_evidence_badges("connectors.signatures", lambda ids: {id: [Badge(...)]})

Listeners run after the upload's transaction has committed; a failing listener or badge
source is logged and skipped, never losing the upload or breaking the form.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Badge:
    label: str
    tone: str = ""  # "" (neutral), "ok" or "warn": the tag's colour
    url: str = ""


Listener = Callable[[int], None]
BadgeSource = Callable[[Sequence[int]], Mapping[int, Sequence[Badge]]]

_listeners: dict[str, Listener] = {}
_badges: dict[str, BadgeSource] = {}


def register_evidence_listener(key: str, fn: Listener) -> None:
    _listeners[key] = fn


def register_evidence_badges(key: str, fn: BadgeSource) -> None:
    _badges[key] = fn


def evidence_added(evidence_id: int) -> None:
    for key in sorted(_listeners):
        try:
            _listeners[key](evidence_id)
        except Exception:
            logger.exception("evidence listener %s failed for evidence %s", key, evidence_id)


def evidence_badges(evidence_ids: Sequence[int]) -> dict[int, list[Badge]]:
    out: dict[int, list[Badge]] = {}
    if not evidence_ids:
        return out
    for key in sorted(_badges):
        try:
            found = _badges[key](evidence_ids)
        except Exception:
            logger.exception("evidence badge source %s failed", key)
            continue
        for pk, badges in found.items():
            out.setdefault(pk, []).extend(badges)
    return out
