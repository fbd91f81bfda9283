from django.urls import path

from xaso.assessments import views

app_name = "assessments"
urlpatterns = [
    path("", views.home, name="home"),
    path("ky/tao-moi/", views.period_new, name="period_new"),
    path("ky/<int:period_id>/", views.period_detail, name="period"),
    path("ky/<int:period_id>/tham-dinh/", views.queue, name="queue"),
    path("ky/<int:period_id>/mo-khoa/", views.lock_exception, name="lock_exception"),
    path("ky/<int:period_id>/cong-bo/", views.publish, name="publish"),
    path("ky/<int:period_id>/ket-qua/<int:version>/", views.snapshot_detail, name="snapshot"),
    path("ky/<int:period_id>/mau-toan-tinh.xlsx", views.province_template,
         name="province_template"),
    path("ky/<int:period_id>/nhap-toan-tinh/", views.province_upload, name="province_upload"),
    path("ho-so/<int:submission_id>/", views.submission_detail, name="submission"),
    path("ho-so/<int:submission_id>/luu/", views.save, name="save"),
    path("ho-so/<int:submission_id>/diem/<str:code>/", views.points, name="points"),
    path("ho-so/<int:submission_id>/nop/", views.submit, name="submit"),
    path("ho-so/<int:submission_id>/tra-lai/", views.return_form, name="return"),
    path("ho-so/<int:submission_id>/tham-dinh/", views.verify, name="verify"),
    path("ho-so/<int:submission_id>/phe-duyet/", views.approve, name="approve"),
    path("ho-so/<int:submission_id>/minh-chung/", views.evidence_upload, name="evidence_upload"),
    path("ho-so/<int:submission_id>/mau.xlsx", views.unit_template, name="unit_template"),
    path("ho-so/<int:submission_id>/nhap-excel/", views.unit_upload, name="unit_upload"),
    path("ho-so/<int:submission_id>/phuc-khao/", views.appeal_new, name="appeal_new"),
    path("minh-chung/<int:evidence_id>/tai-ve/", views.evidence_download,
         name="evidence_download"),
    path("minh-chung/<int:evidence_id>/go/", views.evidence_remove, name="evidence_remove"),
    path("nhap/<int:job_id>/", views.import_job, name="import_job"),
    path("phuc-khao/<int:appeal_id>/quyet-dinh/", views.appeal_decide, name="appeal_decide"),
]  # fmt: skip
