"""Demo accounts, one per role, bound to the seed pilot communes."""

from __future__ import annotations


def load_demo_accounts() -> list[tuple[str, str, str]]:
    return []
