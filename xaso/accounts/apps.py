from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "xaso.accounts"
    label = "accounts"
    verbose_name = "Tài khoản và phân quyền"

    def ready(self) -> None:
        from xaso.accounts import admin_site, personal, registry

        registry.register_builtin_models()
        admin_site.require_second_factor()
        personal.register()
