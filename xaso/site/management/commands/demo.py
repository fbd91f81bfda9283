from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from xaso.site.loaders import load_all


class Command(BaseCommand):
    help = (
        "Tạo/cập nhật trang demo trên SQLite với đơn vị hành chính thật và dữ liệu minh hoạ, "
        "rồi chạy."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--no-serve", action="store_true", help="Chỉ chuẩn bị dữ liệu.")
        parser.add_argument(
            "--scale",
            choices=["pilots", "province"],
            default="pilots",
            help="province: thêm mọi xã của tỉnh demo (cán bộ, hai kỳ đánh giá toàn tỉnh) — "
            "dữ liệu của bài thử tải.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        say = self.stdout.write
        say(f"Thư mục dữ liệu: {settings.DATA_DIR}")
        call_command("migrate", interactive=False, verbosity=0)
        say("Cơ sở dữ liệu: đã tạo/cập nhật.")
        logins = load_all(say)
        if options["scale"] == "province":
            from xaso.site.scale import load_province_scale

            load_province_scale(say)
        url = f"http://127.0.0.1:{options['port']}/"
        say("")
        say(self.style.SUCCESS(f"Trang demo: {url}"))
        say("Tài khoản demo (tên đăng nhập / mật khẩu — vai trò):")
        for login in logins:
            say(f"  {login.username:<22} {login.password:<16} {login.role}")
        if not settings.XASO_REQUIRE_2FA:
            say(self.style.WARNING(
                "Xác thực hai lớp (2FA) đang TẮT vì đây là thư mục dữ liệu demo; "
                "bản triển khai thật luôn bật."
            ))  # fmt: skip
        if not options["no_serve"]:
            call_command("serve", port=options["port"])
