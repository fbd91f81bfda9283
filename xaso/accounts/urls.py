from django.contrib.auth import views as auth_views
from django.urls import path

from xaso.accounts import views

app_name = "accounts"
urlpatterns = [
    path("", views.me, name="me"),
    path("dang-nhap/", views.XasoLoginView.as_view(), name="login"),
    path("dang-xuat/", auth_views.LogoutView.as_view(), name="logout"),
    path("doi-mat-khau/", views.password_change, name="password_change"),
    path("xac-thuc-hai-lop/", views.otp_verify, name="otp_verify"),
    path("xac-thuc-hai-lop/dang-ky/", views.otp_setup, name="otp_setup"),
    path("nguoi-dung/", views.user_list, name="users"),
    path("nguoi-dung/tao-moi/", views.user_create, name="user_create"),
    path("nguoi-dung/nhap/", views.user_import, name="user_import"),
    path("nguoi-dung/nhap/mau.csv", views.import_template, name="import_template"),
    path("nguoi-dung/<int:user_id>/", views.user_detail, name="user"),
    path("nguoi-dung/<int:user_id>/sua/", views.user_edit, name="user_edit"),
    path("nguoi-dung/<int:user_id>/vai-tro/", views.role_add, name="role_add"),
    path(
        "nguoi-dung/<int:user_id>/vai-tro/<int:assignment_id>/bo/",
        views.role_remove,
        name="role_remove",
    ),
    path("nguoi-dung/<int:user_id>/khoa/", views.user_disable, name="user_disable"),
    path("nguoi-dung/<int:user_id>/mo-khoa/", views.user_enable, name="user_enable"),
    path(
        "nguoi-dung/<int:user_id>/dat-lai-mat-khau/",
        views.user_reset_password,
        name="user_reset_password",
    ),
    path(
        "nguoi-dung/<int:user_id>/dat-lai-2fa/",
        views.user_reset_two_factor,
        name="user_reset_two_factor",
    ),
    path("nhom-don-vi/", views.group_list, name="groups"),
    path("nhom-don-vi/tao-moi/", views.group_edit, name="group_create"),
    path("nhom-don-vi/<slug:slug>/sua/", views.group_edit, name="group_edit"),
    path("nhat-ky/", views.audit_list, name="audit"),
    path("nhat-ky/xuat.<str:fmt>", views.audit_export, name="audit_export"),
]
