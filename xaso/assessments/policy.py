"""Who may do what in assessments: the scoping families this app registers.

Reads of submissions, evidence, imports, reminders, lock exceptions and appeals follow
the ordinary policy (officials read what is in their units). The workflow steps are
separate families, checked with ``may_in_unit`` by the actions: filling in belongs to
the commune's officers, verifying to verifiers, approving and publishing to the
province's administrators — each also to superusers.
"""

from __future__ import annotations

from xaso.core.scoping import ALL_ACTIONS, PUBLIC, READ_ACTIONS, SUPERUSER, register_family

RECORDS = "assessments"
PERIODS = "assessment_periods"
RESULTS = "assessment_results"
FILL = "assessment_fill"
VERIFY = "assessment_verify"
PUBLISH = "assessment_publish"

POLICIES: dict[str, dict[str, frozenset[str] | set[str]]] = {
    RECORDS: {
        "province_admin": ALL_ACTIONS,
        "verifier": READ_ACTIONS | {"edit"},
        "commune_officer": READ_ACTIONS | {"edit"},
        "sponsor": READ_ACTIONS,
        "leader": READ_ACTIONS,
        SUPERUSER: ALL_ACTIONS,
    },
    # A period's name, dates and framework are public knowledge; its owners change it.
    PERIODS: {PUBLIC: {"list", "view"}, "province_admin": ALL_ACTIONS, SUPERUSER: ALL_ACTIONS},
    # Published results are public and are never edited by anyone.
    RESULTS: {PUBLIC: READ_ACTIONS, "province_admin": READ_ACTIONS, SUPERUSER: READ_ACTIONS},
    FILL: {"commune_officer": READ_ACTIONS | {"edit"}, "province_admin": ALL_ACTIONS,
           SUPERUSER: ALL_ACTIONS},
    VERIFY: {"verifier": READ_ACTIONS | {"edit"}, "province_admin": ALL_ACTIONS,
             SUPERUSER: ALL_ACTIONS},
    PUBLISH: {"province_admin": ALL_ACTIONS, SUPERUSER: ALL_ACTIONS},
}  # fmt: skip


def register_families() -> None:
    for name, rules in POLICIES.items():
        register_family(name, rules)
