"""Writing audit rows and queueing side effects, shared by every app's actions."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.db import models, transaction

from xaso.core.middleware import client_ip_var, request_id_var
from xaso.core.models import AuditEntry


def record_audit(
    *,
    actor: Any,
    action: str,
    target: models.Model | None,
    changes: Mapping[str, Any] | None = None,
    province_id: int | None = None,
) -> AuditEntry:
    """One audit row for one action; called inside the action's transaction."""
    if province_id is None and target is not None:
        province_id = getattr(target, "province_id", None)
    is_user = actor is not None and getattr(actor, "is_authenticated", False)
    return AuditEntry.objects.create(
        actor=actor if is_user else None,
        actor_label=actor.get_username() if is_user else "system",
        action=action,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        target_label=str(target)[:300] if target is not None else "",
        province_id=province_id,
        changes=dict(changes or {}),
        ip_address=client_ip_var.get(),
        request_id=request_id_var.get() if request_id_var.get() != "-" else "",
    )


def diff(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, list[Any]]:
    """Fields that changed, as {field: [old, new]} — the shape audit rows store."""
    return {k: [old.get(k), new[k]] for k in new if old.get(k) != new[k]}


def on_commit(fn: Callable[[], Any]) -> None:
    """Side effects (mail, tasks) leave only once the action's transaction has committed."""
    transaction.on_commit(fn, robust=True)
