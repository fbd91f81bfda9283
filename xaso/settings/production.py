"""Production profile: everything the demo relaxes is tightened here.

``manage.py check --deploy`` passes with no warnings under this module (a test proves it).
"""

from __future__ import annotations

import os

from django.core.exceptions import ImproperlyConfigured

from xaso.settings import *  # noqa: F403
from xaso.settings import SECRET_KEY, env_bool

DEBUG = False
XASO_DEMO = False
XASO_REQUIRE_2FA = True
if SECRET_KEY.startswith("xaso-demo-key") or len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("XASO_SECRET_KEY must be set to 50+ random characters.")

SECURE_SSL_REDIRECT = env_bool("XASO_SSL_REDIRECT", True)
# Behind the reverse proxy that terminates TLS (docs/deploy.md).
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = int(os.environ.get("XASO_HSTS_SECONDS", str(365 * 24 * 3600)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_SSL_HOST = os.environ.get("XASO_SSL_HOST") or None
# Mail always leaves by SMTP in production: the configured relay, or the host's own MTA.
MAILERS = {
    "default": {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {
            "host": os.environ.get("XASO_SMTP_HOST", "localhost"),
            "port": int(os.environ.get("XASO_SMTP_PORT", "25")),
            "username": os.environ.get("XASO_SMTP_USER", ""),
            "password": os.environ.get("XASO_SMTP_PASSWORD", ""),
            "use_tls": env_bool("XASO_SMTP_TLS", bool(os.environ.get("XASO_SMTP_HOST"))),
            "timeout": 20,
        },
    }
}
# Uploaded files: the data directory, or S3-compatible object storage when XASO_S3_BUCKET
# and the other XASO_S3_* variables are set (xaso.settings.object_storage, docs/deploy.md).
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
_files = STORAGES["default"]
if _files["BACKEND"] == "storages.backends.s3.S3Storage" and not _files.get("OPTIONS"):
    raise ImproperlyConfigured(
        "Object storage needs XASO_S3_BUCKET (and XASO_S3_ENDPOINT_URL, XASO_S3_ACCESS_KEY_ID, "
        "XASO_S3_SECRET_ACCESS_KEY): see docs/deploy.md."
    )
WHITENOISE_USE_FINDERS = False
