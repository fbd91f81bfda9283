"""Every state change of results: the uncertainty analysis of a published snapshot.

Results never change published data; they add, per snapshot, what is too slow to work
out on every read — the Monte Carlo rank band (5–95 %) and the criteria behind each
unit's change since last period — as the system, once.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from xaso.accounts.models import User
from xaso.accounts.queries import may_in_unit
from xaso.assessments import policy
from xaso.assessments.models import Snapshot
from xaso.core.audit import record_audit
from xaso.index import EngineError, decompose_change, monte_carlo
from xaso.results import queries
from xaso.results.models import Analysis, AnalysisState, UnitAnalysis

Actor = User | None
DRAWS = 1000
WEIGHT_NOISE = 0.25


def _check(actor: Actor, snapshot: Snapshot) -> None:
    # The system (actor None) analyses any snapshot; a person only their province's.
    if actor is not None and not may_in_unit(
        actor, "edit", snapshot.province_id, family=policy.PUBLISH
    ):
        raise PermissionDenied("Chỉ quản trị cấp tỉnh được yêu cầu tính lại phân tích.")


def seed_of(snapshot: Snapshot) -> int:
    """Reproducible: the same published inputs always draw the same sample."""
    return int(snapshot.inputs_sha256[:12] or "0", 16)


def do_request_analysis(*, snapshot: Snapshot, actor: Actor) -> tuple[Analysis, bool]:
    """Records that a snapshot's analysis is wanted (once; asking again changes nothing).
    The caller queues ``tasks.analyse_snapshot`` when this returns ``created``."""
    _check(actor, snapshot)
    try:
        with transaction.atomic():
            analysis, created = Analysis.objects.get_or_create(
                snapshot=snapshot, defaults={"province_id": snapshot.province_id}
            )
            if created:
                record_audit(actor=actor, action="results.request_analysis", target=analysis)
    except IntegrityError:
        return Analysis.objects.get(snapshot=snapshot), False
    return analysis, created


def _changes(snapshot: Snapshot, table: queries.Table) -> tuple[Snapshot | None, dict[str, Any]]:
    previous = queries.previous_snapshot(snapshot)
    if previous is None:
        return None, {}
    before = queries.table_of(previous)
    same_leaves = [leaf.code for leaf in before.framework.leaves] == [
        leaf.code for leaf in table.framework.leaves
    ]
    if not same_leaves:
        # Different criteria: no criterion-by-criterion story without a crosswalk.
        return previous, {}
    change = decompose_change(before.results(), table.results())
    out: dict[str, Any] = {}
    for i, code in enumerate(change.units):
        parts = [
            (leaf, round(float(delta), 4))
            for leaf, delta in zip(change.leaf_codes, change.by_leaf[i].tolist(), strict=True)
            if not np.isnan(delta) and abs(delta) >= 5e-5
        ]
        parts.sort(key=lambda p: -abs(p[1]))
        before_rank = int(change.rank_before[i]) or None
        after_rank = int(change.rank_after[i]) or None
        out[code] = {
            "before": round(float(np.nan_to_num(change.points_before[i])), 4),
            "after": round(float(np.nan_to_num(change.points_after[i])), 4),
            "rank_before": before_rank,
            "rank_after": after_rank,
            "by_leaf": [list(p) for p in parts],
        }
    return previous, out


def _failed(snapshot: Snapshot, actor: Actor, message: str) -> Analysis:
    with transaction.atomic():
        analysis, _ = Analysis.objects.get_or_create(
            snapshot=snapshot, defaults={"province_id": snapshot.province_id}
        )
        analysis.state = AnalysisState.FAILED
        analysis.error = message[:2000]
        analysis.finished_at = timezone.now()
        analysis.save()
        record_audit(
            actor=actor,
            action="results.analyse_failed",
            target=analysis,
            changes={"error": message[:300]},
        )
    return analysis


def do_analyse_snapshot(*, snapshot: Snapshot, actor: Actor, draws: int = DRAWS) -> Analysis:
    """Computes and stores the snapshot's rank bands (seeded Monte Carlo over weights and
    aggregation, as the OECD/JRC handbook does) and each unit's change decomposed by
    criterion. Idempotent: a finished analysis is returned as it is."""
    _check(actor, snapshot)
    done = Analysis.objects.filter(snapshot=snapshot, state=AnalysisState.DONE).first()
    if done is not None:
        return done
    table = queries.table_of(snapshot)
    seed = seed_of(snapshot)
    try:
        # Weights only: a geometric mean would zero every unit with one empty criterion,
        # which says nothing about a points-sum index (the DTI way) but ties half the field.
        mc = monte_carlo(
            table.framework,
            table.data(),
            draws=draws,
            seed=seed,
            weight_noise=WEIGHT_NOISE,
            aggregations=(None,),
        )
        previous, changes = _changes(snapshot, table)
    except (EngineError, ValueError) as exc:
        return _failed(snapshot, actor, str(exc))
    now = timezone.now()
    try:
        with transaction.atomic():
            analysis, _ = Analysis.objects.select_for_update().get_or_create(
                snapshot=snapshot, defaults={"province_id": snapshot.province_id}
            )
            if analysis.state == AnalysisState.DONE:
                return analysis
            analysis.units.all().delete()
            rows = []
            for i, code in enumerate(mc.units):
                row = table.by_code.get(code)
                if row is None:
                    continue
                ranked = bool(mc.nominal_rank[i])
                rows.append(
                    UnitAnalysis(
                        analysis=analysis,
                        unit_id=row.unit_id,
                        province_id=row.province_id or snapshot.province_id,
                        rank_median=float(mc.median_rank[i]) if ranked else None,
                        rank_p05=float(mc.rank_p05[i]) if ranked else None,
                        rank_p95=float(mc.rank_p95[i]) if ranked else None,
                        change=changes.get(code),
                    )
                )
            UnitAnalysis.objects.bulk_create(rows, batch_size=500)
            analysis.state = AnalysisState.DONE
            analysis.draws = draws
            analysis.seed = seed
            analysis.weight_noise = WEIGHT_NOISE
            analysis.previous = previous
            analysis.error = ""
            analysis.finished_at = now
            analysis.save()
            record_audit(
                actor=actor,
                action="results.analyse",
                target=analysis,
                changes={"draws": draws, "seed": seed, "units": len(rows)},
            )
    except IntegrityError:
        # Another process finished the same analysis first; theirs is as good as ours.
        return Analysis.objects.get(snapshot=snapshot)
    return analysis
