from django.contrib import admin
from django.urls import include, path

from xaso.api import api

urlpatterns = [
    path("", include("xaso.site.urls")),
    path("don-vi/", include("xaso.units.urls")),
    path("tai-khoan/", include("xaso.accounts.urls")),
    path("danh-gia/", include("xaso.assessments.urls")),
    path("", include("xaso.citizens.urls")),
    path("open311/v2/", include("xaso.citizens.open311_urls")),
    path("thi-diem/", include("xaso.programs.urls")),
    path("ket-qua/", include("xaso.results.urls")),
    path("do-luong/", include("xaso.connectors.urls")),
    path("du-lieu-ca-nhan/", include("xaso.privacy.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/", api.urls),
    path("quan-tri-django/", admin.site.urls),
]
