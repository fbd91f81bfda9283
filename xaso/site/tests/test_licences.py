"""No GPL code in the install: xaso is MIT and provinces must be free to redistribute it."""

from __future__ import annotations

from importlib import metadata

# Offered under a choice of licences, of which xaso uses the non-GPL one.
MULTI_LICENSED = {"pyphen": "MPL-1.1 (tri-licensed GPL/LGPL/MPL)"}


def licence_texts(dist: metadata.Distribution) -> str:
    meta = dist.metadata
    parts = [meta.get("License-Expression") or "", (meta.get("License") or "")[:200]]
    parts += [c for c in meta.get_all("Classifier") or [] if c.startswith("License")]
    return " ".join(parts)


def test_no_installed_distribution_is_gpl_only() -> None:
    offenders = []
    for dist in metadata.distributions():
        name = (dist.metadata.get("Name") or "").lower()
        text = licence_texts(dist).replace("LGPL", "").replace("Lesser General", "")
        if ("GPL" in text or "GNU General Public" in text) and name not in MULTI_LICENSED:
            offenders.append(f"{name}: {licence_texts(dist)[:120]}")
    assert offenders == []
