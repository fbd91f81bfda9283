"""Administrative units across time: the generations before and after 1 July 2025."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.urls import reverse

REFORM_DATE = dt.date(2025, 7, 1)
LEGACY_END = dt.date(2025, 6, 30)


class Generation(models.TextChoices):
    LEGACY = "legacy", "Trước 01/7/2025"
    CURRENT = "current", "Từ 01/7/2025"


class Level(models.TextChoices):
    PROVINCE = "province", "Tỉnh/thành phố"
    DISTRICT = "district", "Quận/huyện"
    COMMUNE = "commune", "Xã/phường"


class UnitType(models.TextChoices):
    TINH = "tinh", "Tỉnh"
    THANH_PHO_TW = "thanh_pho_tw", "Thành phố trực thuộc TW"
    QUAN = "quan", "Quận"
    HUYEN = "huyen", "Huyện"
    THI_XA = "thi_xa", "Thị xã"
    THANH_PHO = "thanh_pho", "Thành phố thuộc tỉnh"
    XA = "xa", "Xã"
    PHUONG = "phuong", "Phường"
    THI_TRAN = "thi_tran", "Thị trấn"
    DAC_KHU = "dac_khu", "Đặc khu"


class Unit(models.Model):
    """Đơn vị hành chính — a province, district or commune of one generation.

    Identity is (level, code, valid_from, valid_to): a merged unit kept one predecessor's
    code, so the same code can name two different areas before and after the reform.
    """

    generation = models.CharField(max_length=8, choices=Generation.choices)
    level = models.CharField(max_length=8, choices=Level.choices)
    unit_type = models.CharField(max_length=12, choices=UnitType.choices)
    code = models.CharField(max_length=5)
    name = models.CharField(max_length=120)
    short_name = models.CharField(max_length=100)
    valid_from = models.DateField(null=True, blank=True)
    valid_to = models.DateField(null=True, blank=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    # Every row carries its province so scoping and partitioning need no joins.
    province = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    area_km2 = models.FloatField(null=True, blank=True)
    source_key = models.CharField(max_length=200, help_text="Key in vietnamadminunits")
    # Folded (accent-free) text for search: the short name alone, and the full name with
    # its district and province as " xa hoa phu | thanh pho buon ma thuot | tinh dak lak ".
    name_key = models.CharField(max_length=100, db_index=True, default="")
    search_text = models.CharField(max_length=400)

    class Meta:
        verbose_name = "đơn vị hành chính"
        verbose_name_plural = "đơn vị hành chính"
        constraints = [
            models.UniqueConstraint(
                fields=["generation", "level", "code"], name="unit_identity_per_generation"
            ),
        ]
        indexes = [
            models.Index(fields=["generation", "level", "province"]),
            models.Index(fields=["code"]),
        ]
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("units:detail", args=[self.generation_slug, self.code])

    @property
    def is_current(self) -> bool:
        return self.generation == Generation.CURRENT

    @property
    def generation_slug(self) -> str:
        return "hien-nay" if self.is_current else "truoc-2025"


class Lineage(models.Model):
    """Predecessor → successor across the reform; ``partly`` when the old unit was split."""

    predecessor = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="successor_links")
    successor = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="predecessor_links")
    partly = models.BooleanField(default=False)
    # Of a split unit's successors, the one that took its name or seat (the package's default).
    is_main_successor = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["predecessor", "successor"], name="lineage_once"),
        ]

    def __str__(self) -> str:
        return f"{self.predecessor} → {self.successor}{' (một phần)' if self.partly else ''}"


class UnitGroup(models.Model):
    """Nhóm đơn vị — a named set of units, e.g. "Thí điểm CĐS 2023 — Bắc Kạn"."""

    name = models.CharField("tên nhóm", max_length=200)
    slug = models.SlugField(max_length=120, unique=True)
    description = models.TextField("mô tả", blank=True)
    province = models.ForeignKey(
        Unit,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="owned_groups",
        limit_choices_to={"level": Level.PROVINCE},
        help_text="Tỉnh sở hữu nhóm; để trống cho nhóm toàn quốc.",
    )
    members = models.ManyToManyField(Unit, related_name="unit_groups", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )

    class Meta:
        verbose_name = "nhóm đơn vị"
        verbose_name_plural = "nhóm đơn vị"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
