from django.urls import path

from xaso.privacy import views

app_name = "privacy"
urlpatterns = [
    path("", views.register, name="register"),
    path("yeu-cau/", views.requests, name="requests"),
]
