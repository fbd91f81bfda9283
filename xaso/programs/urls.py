from django.urls import path

from xaso.programs import views

app_name = "programs"
urlpatterns = [
    path("", views.programme_list, name="list"),
    path("tao-moi/", views.programme_create, name="create"),
    path("<int:pk>/", views.overview, name="overview"),
    path("<int:pk>/them-xa/", views.add_participants, name="add_participants"),
    path("<int:pk>/phan-cong/", views.assign_sponsor, name="assign_sponsor"),
    path("<int:pk>/moc/", views.add_milestone, name="add_milestone"),
    path("<int:pk>/trang-thai/", views.update_programme, name="update"),
    path("<int:pk>/bao-cao/", views.report, name="report"),
    path("<int:pk>/du-thao-danh-gia.<str:fmt>", views.evaluation_draft, name="evaluation_draft"),
    path("<int:pk>/ke-hoach.xlsx", views.plan_export, name="plan_export"),
    path("<int:pk>/nhap-ke-hoach/", views.plan_import, name="plan_import"),
    path("<int:pk>/nhan-rong/", views.readiness, name="readiness"),
    path("bao-cao/<int:report_id>.<str:fmt>", views.report_document, name="report_document"),
    path("xa/<int:pid>/", views.commune, name="commune"),
    path("xa/<int:pid>/nhiem-vu-mau/", views.apply_templates, name="apply_templates"),
    path("xa/<int:pid>/nhiem-vu/", views.add_task, name="add_task"),
    path("xa/<int:pid>/chi-tieu/", views.add_kpi, name="add_kpi"),
    path("nhiem-vu/<int:task_id>/", views.task_detail, name="task"),
    path("chi-tieu/<int:kpi_id>/so-do/", views.record_measurement, name="record_measurement"),
    path("phu-trach/", views.sponsor_view, name="sponsor"),
    path("to-cns/", views.team_coverage, name="teams"),
    path("to-cns/dang-ky/", views.team_register, name="team_register"),
    path("to-cns/<int:team_id>/", views.team, name="team"),
    path("to-cns/<int:team_id>/thanh-vien/", views.team_add_member, name="team_add_member"),
    path("to-cns/<int:team_id>/thon/", views.team_add_villages, name="team_add_villages"),
    path("to-cns/<int:team_id>/ghi-nhan/", views.team_log, name="team_log"),
    path("thong-bao/", views.notifications, name="notifications"),
    path("thong-bao/<int:nid>/da-doc/", views.notification_read, name="notification_read"),
]
