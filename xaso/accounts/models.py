"""Users and their roles, each role bound to the units it serves."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.functional import cached_property


class Role(models.TextChoices):
    PROVINCE_ADMIN = "province_admin", "Quản trị cấp tỉnh"
    VERIFIER = "verifier", "Cán bộ thẩm định"
    COMMUNE_OFFICER = "commune_officer", "Cán bộ cấp xã"
    SPONSOR = "sponsor", "Đơn vị phụ trách (sở, ngành, doanh nghiệp)"
    LEADER = "leader", "Lãnh đạo (chỉ xem)"
    CITIZEN = "citizen", "Người dân"


# Roles whose sessions need a second factor and a short idle timeout.
PRIVILEGED_ROLES = frozenset({Role.PROVINCE_ADMIN, Role.VERIFIER})
OFFICIAL_ROLES = frozenset(set(Role) - {Role.CITIZEN})


class User(AbstractUser):
    """Người dùng. Personal data (phone) is stored once here and shown masked elsewhere."""

    full_name = models.CharField("họ và tên", max_length=150, blank=True)
    phone = models.CharField("số điện thoại", max_length=20, blank=True)
    organisation = models.CharField(
        "cơ quan, đơn vị", max_length=200, blank=True,
        help_text="Sở, ngành hoặc doanh nghiệp của đơn vị phụ trách.",
    )  # fmt: skip
    # The province that manages this account: its administrators list, edit and disable it.
    # Empty for national accounts (superusers), which only superusers manage.
    province = models.ForeignKey(
        "units.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name="tỉnh quản lý",
    )  # fmt: skip
    # Set when an administrator hands out a one-time password; cleared by the user's own change.
    must_change_password = models.BooleanField("phải đổi mật khẩu", default=False)
    search_text = models.CharField(max_length=400, blank=True, db_index=True)

    class Meta:
        verbose_name = "người dùng"
        verbose_name_plural = "người dùng"

    def __str__(self) -> str:
        return self.full_name or self.username

    @cached_property
    def roles(self) -> frozenset[str]:
        """The roles this user holds anywhere; cached for the request."""
        return frozenset(self.role_assignments.values_list("role", flat=True))

    @property
    def is_official(self) -> bool:
        return self.is_superuser or bool(self.roles & OFFICIAL_ROLES)

    @property
    def is_privileged(self) -> bool:
        return self.is_superuser or bool(self.roles & PRIVILEGED_ROLES)

    @property
    def is_province_admin(self) -> bool:
        return self.is_superuser or Role.PROVINCE_ADMIN in self.roles


class RoleAssignment(models.Model):
    """One role of one user over one unit (a province or a commune)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_assignments")
    role = models.CharField("vai trò", max_length=20, choices=Role.choices)
    unit = models.ForeignKey(
        "units.Unit", on_delete=models.PROTECT, related_name="role_assignments",
        verbose_name="đơn vị",
    )  # fmt: skip
    # The unit's province, carried so scoping and partitioning need no join.
    province = models.ForeignKey(
        "units.Unit", on_delete=models.PROTECT, related_name="+", verbose_name="tỉnh"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "role", "unit"], name="role_once_per_unit")
        ]
        verbose_name = "phân quyền"
        verbose_name_plural = "phân quyền"

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} — {self.unit}"


# The level of unit each role is bound to: a province-wide role names the province, a
# commune role names each commune it serves.
ROLE_UNIT_LEVELS: dict[str, frozenset[str]] = {
    Role.PROVINCE_ADMIN: frozenset({"province"}),
    Role.VERIFIER: frozenset({"province", "commune"}),
    Role.COMMUNE_OFFICER: frozenset({"commune"}),
    Role.SPONSOR: frozenset({"commune"}),
    Role.LEADER: frozenset({"province"}),
    Role.CITIZEN: frozenset({"commune"}),
}
