"""Demo accounts, one per role, bound to the seed pilot communes (created through the
same actions as real accounts; running it twice changes nothing)."""

from __future__ import annotations

from dataclasses import dataclass

from xaso.accounts.actions import do_assign_roles, do_create_user
from xaso.accounts.models import Role, RoleAssignment, User
from xaso.units.models import Unit, UnitGroup

DEMO_PASSWORD = "xaso-demo-2025"
DAK_LAK_PILOTS = "thi-diem-cds-2022-dak-lak"
BAC_KAN_PILOTS = "thi-diem-cds-2023-bac-kan"


@dataclass(frozen=True)
class DemoAccount:
    username: str
    full_name: str
    role: str
    group: str  # the pilot group whose province (and communes) the account serves
    communes: str = ""  # "all" for every commune of the group, or one commune's name
    organisation: str = ""
    phone: str = ""


# Phone numbers are fictitious (a 0900 000 xxx block), shown to demonstrate masking.
ACCOUNTS = (
    DemoAccount("admin.daklak", "Quản trị Sở KH&CN Đắk Lắk", Role.PROVINCE_ADMIN, DAK_LAK_PILOTS,
                phone="0900000001"),
    DemoAccount("thamdinh.daklak", "Cán bộ thẩm định Đắk Lắk", Role.VERIFIER, DAK_LAK_PILOTS,
                phone="0900000002"),
    DemoAccount("canbo.hoaphu", "Cán bộ xã Hòa Phú", Role.COMMUNE_OFFICER, DAK_LAK_PILOTS,
                communes="Xã Hòa Phú", phone="0900000003"),
    DemoAccount("canbo.krongnang", "Cán bộ xã Krông Năng (Phú Lộc cũ)", Role.COMMUNE_OFFICER,
                DAK_LAK_PILOTS, communes="Xã Krông Năng", phone="0900000004"),
    DemoAccount("phutrach.vnpt", "VNPT Đắk Lắk", Role.SPONSOR, DAK_LAK_PILOTS, communes="all",
                organisation="VNPT Đắk Lắk", phone="0900000005"),
    DemoAccount("lanhdao.daklak", "Lãnh đạo UBND tỉnh Đắk Lắk", Role.LEADER, DAK_LAK_PILOTS,
                phone="0900000006"),
    DemoAccount("nguoidan.hoaphu", "Người dân xã Hòa Phú", Role.CITIZEN, DAK_LAK_PILOTS,
                communes="Xã Hòa Phú", phone="0900000007"),
    DemoAccount("admin.thainguyen", "Quản trị Sở KH&CN Thái Nguyên", Role.PROVINCE_ADMIN,
                BAC_KAN_PILOTS, phone="0900000008"),
    DemoAccount("canbo.backan", "Cán bộ các xã thí điểm Bắc Kạn cũ", Role.COMMUNE_OFFICER,
                BAC_KAN_PILOTS, communes="all", phone="0900000009"),
)  # fmt: skip


def _units(account: DemoAccount, group: UnitGroup) -> list[Unit]:
    assert group.province is not None
    if not account.communes:
        return [group.province]
    members = list(group.members.order_by("code"))
    if account.communes == "all":
        return members
    chosen = [u for u in members if u.name == account.communes]
    if len(chosen) != 1:
        raise LookupError(f"{account.communes}: không có trong nhóm {group.slug}")
    return chosen


def load_demo_accounts() -> list[tuple[str, str, str]]:
    """Creates the missing demo accounts and roles; returns (username, password, role)."""
    logins = []
    for account in ACCOUNTS:
        group = UnitGroup.objects.select_related("province").get(slug=account.group)
        user = User.objects.filter(username=account.username).first()
        if user is None:
            user = do_create_user(
                username=account.username, full_name=account.full_name, phone=account.phone,
                organisation=account.organisation, province=group.province,
                password=DEMO_PASSWORD, actor=None,
            ).user  # fmt: skip
        held = set(
            RoleAssignment.objects.filter(user=user, role=account.role).values_list(
                "unit_id", flat=True
            )
        )
        missing = [u for u in _units(account, group) if u.pk not in held]
        if missing:
            do_assign_roles(user=user, role=account.role, units=missing, actor=None)
        units = ", ".join(u.name for u in _units(account, group))
        logins.append((account.username, DEMO_PASSWORD, f"{Role(account.role).label} — {units}"))
    return logins
