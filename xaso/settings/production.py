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
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = False
