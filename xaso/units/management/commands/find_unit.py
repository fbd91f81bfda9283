from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from xaso.units import queries
from xaso.units.models import Unit


def _line(unit: Unit) -> str:
    above = [u for u in (unit.parent, unit.province) if u is not None and u.pk != unit.pk]
    where = ", ".join(dict.fromkeys(u.name for u in above))
    era = "hiện nay" if unit.is_current else "trước 01/7/2025"
    return f"{unit.code:>5}  {unit.name}{', ' + where if where else ''}  ({era})"


class Command(BaseCommand):
    help = "Tìm đúng một đơn vị theo tên hoặc mã (không dấu cũng được); liệt kê các khả năng."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name_or_code")
        parser.add_argument("--generation", choices=["current", "legacy"])

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            unit = queries.resolve(options["name_or_code"], generation=options["generation"])
        except queries.UnitLookupError as exc:
            lines = [exc.message]
            if exc.candidates:
                lines.append("Các đơn vị có thể là:")
                lines += [f"  {_line(u)}" for u in exc.candidates]
            raise CommandError("\n".join(lines)) from None
        self.stdout.write(_line(unit))
        for link in queries.successors(unit):
            self.stdout.write(f"  → nay thuộc: {_line(link.unit)}")
        for link in queries.predecessors(unit):
            self.stdout.write(f"  ← hình thành từ: {_line(link.unit)}")
