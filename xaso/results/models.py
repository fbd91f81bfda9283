"""Kết quả — what results adds to a published snapshot: its uncertainty analysis.

A snapshot (``assessments.Snapshot``) is immutable and belongs to assessments. The Monte
Carlo rank band and the change decomposition cost seconds for a province of thousands
of units, so they are computed once per snapshot (by a task, or at once for a small
snapshot) and kept here, keyed by the snapshot. Like the snapshot itself they are
derived from published data only and are public.
"""

from __future__ import annotations

from django.db import models

FAMILY = "results_analysis"


class AnalysisState(models.TextChoices):
    QUEUED = "queued", "Đang chờ tính"
    DONE = "done", "Đã tính"
    FAILED = "failed", "Lỗi khi tính"


class Analysis(models.Model):
    """Phân tích bất định của một phiên bản kết quả công bố."""

    snapshot = models.OneToOneField(
        "assessments.Snapshot", on_delete=models.PROTECT, related_name="results_analysis"
    )
    province = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+")
    state = models.CharField(
        max_length=8, choices=AnalysisState.choices, default=AnalysisState.QUEUED
    )
    draws = models.PositiveIntegerField(default=0)
    seed = models.BigIntegerField(default=0)
    weight_noise = models.FloatField(default=0.25)
    # The snapshot compared with for "why did it change", if any.
    previous = models.ForeignKey(
        "assessments.Snapshot", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    error = models.TextField(blank=True)
    requested_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "phân tích kết quả"
        verbose_name_plural = "phân tích kết quả"

    def __str__(self) -> str:
        return f"{self.snapshot} — {self.get_state_display()}"


class UnitAnalysis(models.Model):
    """One unit's rank band (5–95 %) and the criteria behind its change since last time."""

    analysis = models.ForeignKey(Analysis, on_delete=models.CASCADE, related_name="units")
    unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+")
    province = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+")
    rank_median = models.FloatField(null=True)
    rank_p05 = models.FloatField(null=True)
    rank_p95 = models.FloatField(null=True)
    # {"before": points, "after": points, "rank_before": r, "rank_after": r,
    #  "by_leaf": [[leaf code, change in points], …] largest move first, zeros left out}
    change = models.JSONField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["analysis", "unit"], name="unit_analysis_once")
        ]
        verbose_name = "phân tích của đơn vị"
        verbose_name_plural = "phân tích của đơn vị"

    def __str__(self) -> str:
        return f"{self.analysis_id} — {self.unit_id}"
