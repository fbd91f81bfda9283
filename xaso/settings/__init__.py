"""Settings for xaso, read from environment variables.

Defaults give the zero-set-up demo: SQLite and files under ``XASO_DATA_DIR`` and a
database-backed task queue. Production sets ``DJANGO_SETTINGS_MODULE=xaso.settings.production``
and the variables listed in docs/deploy.md.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import dj_database_url
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DATA_DIR = Path(os.environ.get("XASO_DATA_DIR", BASE_DIR / "data")).resolve()

DEBUG = env_bool("XASO_DEBUG", False)
# The demo key is only ever used on a developer's loopback; production refuses it.
SECRET_KEY = os.environ.get("XASO_SECRET_KEY", "xaso-demo-key-not-for-production")
ALLOWED_HOSTS = env_list("XASO_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("XASO_CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_tasks_db",
    "django_prometheus",
    "ninja",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "xaso.core",
    "xaso.units",
    "xaso.accounts",
    "xaso.assessments",
    "xaso.citizens",
    "xaso.programs",
    "xaso.connectors",
    "xaso.results",
    "xaso.privacy",
    "xaso.site",
]

MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "xaso.core.middleware.RequestIdMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "xaso.core.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "xaso.accounts.middleware.OfficialSessionMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    # Axes must be last of ours: it answers lockouts raised by the authentication backends.
    "axes.middleware.AxesMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "xaso.urls"
WSGI_APPLICATION = "xaso.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "xaso" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
                "django.template.context_processors.i18n",
                "xaso.core.context_processors.site",
            ],
        },
    }
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{DATA_DIR / 'xaso.sqlite3'}"),
        conn_max_age=int(os.environ.get("XASO_DB_CONN_MAX_AGE", "0")),
    )
}
if "DATABASE_URL" not in os.environ:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the worker and the web process write without "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }

XASO_MIGRATION_LOCK_TIMEOUT = os.environ.get("XASO_MIGRATION_LOCK_TIMEOUT", "10s")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "site:home"
LOGOUT_REDIRECT_URL = "site:home"

# Lockout after 5 failures per (username, IP), one hour cool-off.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 1
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_IPWARE_PROXY_COUNT = int(os.environ.get("XASO_PROXY_COUNT", "0"))

# Two-factor authentication for administrators and verifiers; the demo data directory
# may switch it off (``xaso demo`` prints that it did).
# `xaso demo` marks its data directory; nothing else ever creates that marker.
# The site's public address, for links sent out (SMS, Zalo) and gateway callbacks.
XASO_PUBLIC_URL = os.environ.get("XASO_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")

# Who may read /metrics (CIDR list), and when a task backlog makes /readyz "degraded".
XASO_METRICS_ALLOWED = env_list("XASO_METRICS_ALLOWED", "127.0.0.1/32,::1/128")
XASO_TASK_BACKLOG_ALERT_SECONDS = int(os.environ.get("XASO_TASK_BACKLOG_ALERT_SECONDS", "900"))

XASO_DEMO = env_bool("XASO_DEMO", (DATA_DIR / "DEMO").exists())
XASO_REQUIRE_2FA = env_bool("XASO_REQUIRE_2FA", not XASO_DEMO)
OTP_TOTP_ISSUER = "xaso"
XASO_OFFICIAL_IDLE_SECONDS = 30 * 60

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_ENGINE = "django.contrib.sessions.backends.db"

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", "Tiếng Việt"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "xaso" / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True
USE_THOUSAND_SEPARATOR = True
FORMAT_MODULE_PATH = ["xaso.formats"]

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "xaso" / "static"]
STATIC_ROOT = Path(os.environ.get("XASO_STATIC_ROOT", DATA_DIR / "static"))
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("XASO_MEDIA_ROOT", DATA_DIR / "media"))


def object_storage(environ: Mapping[str, str]) -> dict[str, Any] | None:
    """The ``STORAGES`` entry for S3-compatible object storage (MinIO, a provincial cloud,
    AWS) from the ``XASO_S3_*`` variables, or None when ``XASO_S3_BUCKET`` is not set.

    Objects are private (no ACL is sent, so the bucket's default — private — applies);
    every download goes through the app's access-checked views, and the rare URL that
    does point at the bucket is presigned and short-lived."""
    bucket = environ.get("XASO_S3_BUCKET", "").strip()
    if not bucket:
        return None
    from botocore.config import Config

    endpoint = environ.get("XASO_S3_ENDPOINT_URL", "").strip() or None
    addressing = environ.get("XASO_S3_ADDRESSING_STYLE", "").strip() or (
        "path" if endpoint else "auto"
    )
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            "endpoint_url": endpoint,
            # Empty means boto3's own chain (AWS_* variables, instance role).
            "access_key": environ.get("XASO_S3_ACCESS_KEY_ID") or None,
            "secret_key": environ.get("XASO_S3_SECRET_ACCESS_KEY") or None,
            "region_name": environ.get("XASO_S3_REGION", "").strip() or "us-east-1",
            "location": environ.get("XASO_S3_PREFIX", "").strip().strip("/"),
            "default_acl": None,
            "querystring_auth": True,
            "querystring_expire": int(environ.get("XASO_S3_URL_SECONDS", "300")),
            # Never overwrite: two residents' "anh.jpg" in one month stay two files, as
            # on a file system.
            "file_overwrite": False,
            # Downloads above this spill to a temporary file instead of memory.
            "max_memory_size": 16 * 1024 * 1024,
            # django-storages ignores its own addressing_style and signature_version
            # options once a client_config is given, so they live here.
            "client_config": Config(
                # MinIO and most provincial clouds want path-style URLs (no bucket DNS).
                s3={"addressing_style": addressing},
                # SigV4 everywhere, presigned URLs too (boto3 would presign with SigV2).
                signature_version="s3v4",
                # Fail fast: a stopped object store makes /readyz answer 503 in seconds.
                connect_timeout=5,
                read_timeout=30,
                retries={"max_attempts": 3, "mode": "standard"},
            ),
        },
    }


STORAGES = {
    "default": object_storage(os.environ)
    or {
        "BACKEND": os.environ.get(
            "XASO_STORAGE_BACKEND", "django.core.files.storage.FileSystemStorage"
        )
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
# WhiteNoise warns on every request when the directory is missing.
with contextlib.suppress(OSError):
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)

# Mail (Django 6.1 mailers): the console in the demo, SMTP when a host is configured.
_SMTP_HOST = os.environ.get("XASO_SMTP_HOST", "")
MAILERS = {
    "default": (
        {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": _SMTP_HOST,
                "port": int(os.environ.get("XASO_SMTP_PORT", "587")),
                "username": os.environ.get("XASO_SMTP_USER", ""),
                "password": os.environ.get("XASO_SMTP_PASSWORD", ""),
                "use_tls": env_bool("XASO_SMTP_TLS", True),
                "timeout": 20,
            },
        }
        if _SMTP_HOST
        else {"BACKEND": "django.core.mail.backends.console.EmailBackend"}
    )
}
DEFAULT_FROM_EMAIL = os.environ.get("XASO_FROM_EMAIL", "xaso <no-reply@xaso.local>")
# Retention of personal data (Law 91/2025/QH15), in days; the daily sweep
# (``xaso periodic daily``) erases what is older. 0 switches a sweep off. See
# docs/personal-data.md for what each one covers.
XASO_RETENTION_DAYS = {
    # Reporter's identity on cases, counted from the case's end (about five years).
    "closed_cases": int(os.environ.get("XASO_RETENTION_CLOSED_CASES_DAYS", "1826")),
    # Phone numbers and texts of messages sent (or given up on).
    "outbox": int(os.environ.get("XASO_RETENTION_OUTBOX_DAYS", "90")),
    # Sign-in records (lockout logs) and the IP addresses in the audit log.
    "login_records": int(os.environ.get("XASO_RETENTION_LOGIN_DAYS", "365")),
}
# Evidence uploads: the issue's default, configurable per deployment.
XASO_EVIDENCE_MAX_BYTES = int(os.environ.get("XASO_EVIDENCE_MAX_BYTES", str(20 * 1024 * 1024)))

TASKS = {
    "default": {
        "BACKEND": os.environ.get("XASO_TASK_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

# Strict CSP: scripts only from our own origin, with a nonce for the few inline bits.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "font-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "xaso.core.logging.RequestIdFilter"}},
    "formatters": {
        "json": {"()": "xaso.core.logging.JsonFormatter"},
        "plain": {"format": "%(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": os.environ.get("XASO_LOG_FORMAT", "plain"),
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("XASO_LOG_LEVEL", "INFO")},
    # WeasyPrint narrates every step of every PDF at INFO.
    "loggers": {
        "axes": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
