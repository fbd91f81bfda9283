"""xaso personal-data register|export|erase|sweep|ledger|reapply — the register of personal data and
residents' requests from the command line (docs/personal-data.md).

The phone number may be left out of the command line (it would stay in the shell's
history): the command then asks for it.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from xaso.privacy import actions, queries, register_doc
from xaso.units.models import Generation, Level, Unit


def _province(code: str) -> Unit | None:
    if not code:
        return None
    try:
        return Unit.objects.get(generation=Generation.CURRENT, level=Level.PROVINCE, code=code)
    except Unit.DoesNotExist:
        raise CommandError(f"Không có tỉnh hiện nay nào mang mã {code}.") from None


def _messages(exc: ValidationError) -> str:
    return "; ".join(exc.messages)


class Command(BaseCommand):
    help = (
        "Sổ đăng ký dữ liệu cá nhân và yêu cầu của người dân: register (in, --write, "
        "--check), export, erase, sweep (xoá dữ liệu hết thời hạn lưu trữ), ledger và "
        "reapply (xoá lại sau khi khôi phục bản sao lưu)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        verbs = parser.add_subparsers(dest="verb", required=True)
        reg = verbs.add_parser("register", help="In sổ đăng ký (Markdown)")
        reg.add_argument("--write", action="store_true", help="Ghi vào docs/personal-data.md")
        reg.add_argument("--check", action="store_true", help="Lỗi nếu tài liệu đã cũ")
        for name, text in (("export", "Xuất dữ liệu của một người"),
                           ("erase", "Xoá dữ liệu của một người")):  # fmt: skip
            sub = verbs.add_parser(name, help=text)
            sub.add_argument("--province", default="", help="Mã tỉnh (bỏ trống: mọi tỉnh)")
            sub.add_argument("--phone", default="", help="Số điện thoại (bỏ trống để nhập sau)")
            sub.add_argument("--username", default="", help="Tên đăng nhập")
            sub.add_argument("--reason", default="", help="Căn cứ, lý do (ghi vào nhật ký)")
            if name == "export":
                sub.add_argument("--out", required=True, help="Tệp ZIP kết quả")
            else:
                sub.add_argument("--yes", action="store_true", help="Không hỏi lại")
        verbs.add_parser("sweep", help="Xoá dữ liệu đã hết thời hạn lưu trữ")
        verbs.add_parser("ledger", help="In bí danh của mọi người đã được xoá theo yêu cầu")
        again = verbs.add_parser("reapply", help="Xoá lại sau khi khôi phục bản sao lưu cũ")
        again.add_argument("ledger", help="Tệp bí danh (mỗi dòng một bí danh) do `ledger` in ra")

    def handle(self, *args: Any, **options: Any) -> None:
        verb = options["verb"]
        if verb == "register":
            self._register(options)
        elif verb == "ledger":
            for name in queries.erased_pseudonyms():
                self.stdout.write(name)
        elif verb == "reapply":
            names = set(Path(options["ledger"]).read_text(encoding="utf-8").split())
            reports = actions.do_reapply_erasures(
                pseudonyms=names, actor=None, reason="Áp dụng lại yêu cầu xoá sau khôi phục"
            )
            total = sum(r.total for r in reports.values())
            self.stdout.write(f"Đã xoá lại dữ liệu của {len(reports)} người ({total} bản ghi).")
        elif verb == "sweep":
            report = actions.do_sweep_retention(actor=None)
            for label, n in sorted(report.counts.items()):
                self.stdout.write(f"{label}: {n}")
            self.stdout.write(
                f"Đã xoá dữ liệu hết thời hạn ở {sum(report.counts.values())} bản ghi."
            )
        else:
            self._request(verb, options)

    def _register(self, options: dict[str, Any]) -> None:
        if options["write"]:
            changed = register_doc.write()
            self.stdout.write(
                f"Đã cập nhật {register_doc.DOCUMENT}." if changed else "Tài liệu đã đúng."
            )
        elif options["check"]:
            if not register_doc.is_current():
                raise CommandError(
                    "docs/personal-data.md khác sổ đăng ký: chạy "
                    "`xaso personal-data register --write`."
                )
            self.stdout.write("Tài liệu khớp sổ đăng ký.")
        else:
            self.stdout.write(register_doc.render(), ending="")

    def _request(self, verb: str, options: dict[str, Any]) -> None:
        province = _province(options["province"])
        phone, username = options["phone"], options["username"]
        if not phone and not username:
            self.stderr.write("Số điện thoại: ", ending="")
            self.stderr.flush()
            phone = sys.stdin.readline().strip()
        who = {"phone": phone, "username": username, "province": province}
        try:
            if verb == "export":
                bundle = actions.do_export_personal_data(
                    actor=None, reason=options["reason"], **who
                )
                Path(options["out"]).write_bytes(bundle.as_zip())
                self.stdout.write(f"Đã xuất {bundle.total} bản ghi vào {options['out']}.")
                return
            if not options["yes"]:
                self.stderr.write("Xoá vĩnh viễn dữ liệu của người này? Gõ XOA để tiếp tục: ",
                                  ending="")  # fmt: skip
                self.stderr.flush()
                if sys.stdin.readline().strip().upper() not in {"XOA", "XOÁ"}:
                    raise CommandError("Đã huỷ, không xoá gì.")
            report = actions.do_erase_personal_data(actor=None, reason=options["reason"], **who)
        except ValidationError as exc:
            raise CommandError(_messages(exc)) from None
        for label, n in sorted(report.counts.items()):
            self.stdout.write(f"{label}: {n}")
        for note in report.kept:
            self.stdout.write(f"Giữ lại: {note}")
        self.stdout.write(
            f"Đã xoá {report.total} bản ghi; bí danh trong nhật ký {report.pseudonym[:12]}…"
        )
