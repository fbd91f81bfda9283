from django.urls import path

from xaso.units import views

app_name = "units"
urlpatterns = [
    path("", views.province_list, name="provinces"),
    path("tim-kiem/", views.search, name="search"),
    path("nhom/", views.group_list, name="groups"),
    path("nhom/<slug:slug>/", views.group_detail, name="group"),
    path("ma/<str:code>/", views.by_code, name="by_code"),
    path("<str:generation>/<str:code>/", views.unit_detail, name="detail"),
]
