import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xaso.settings")
application = get_wsgi_application()

# Before this worker takes requests: the intake's classifier loads seconds of libraries on
# first use, and every other request of the worker would wait behind it.
from xaso.citizens.classifier import warm_up  # noqa: E402

warm_up()
