from django.urls import path

from xaso.connectors import views

app_name = "connectors"
urlpatterns = [
    path("", views.home, name="home"),
    path("ky/<int:pk>/", views.period, name="period"),
    path("don-vi/<int:unit_pk>/<str:key>/", views.drill, name="drill"),
    path("nhat-ky/", views.batches, name="batches"),
    path("nhat-ky/<int:pk>/", views.batch, name="batch"),
    path("nguon/", views.sources, name="sources"),
    path("nguon/<int:pk>/", views.source_update, name="source_update"),
    path("chung-thu/", views.trust_roots, name="trust_roots"),
    path("chung-thu/<int:pk>/", views.trust_root_update, name="trust_root_update"),
    path("ky-so/ho-so/<int:submission_pk>/", views.signatures, name="signatures"),
    path("ky-so/<int:pk>/", views.signature, name="signature"),
]
