from django.urls import path

from xaso.results import views

app_name = "results"
urlpatterns = [
    path("", views.portal, name="portal"),
    path("tim/", views.search, name="search"),
    path("bang-dieu-khien/", views.dashboard, name="dashboard"),
    path("don-vi/<str:code>/", views.unit_latest, name="unit_latest"),
    path("ky/<int:period_id>/", views.ranking, name="ranking"),
    path("ky/<int:period_id>/xep-hang.csv", views.ranking_csv, name="ranking_csv"),
    path("ky/<int:period_id>/xep-hang.xlsx", views.ranking_xlsx, name="ranking_xlsx"),
    path("ky/<int:period_id>/bang-diem.xlsx", views.scores_xlsx, name="scores_xlsx"),
    path("ky/<int:period_id>/phuong-phap/", views.method, name="method"),
    path("ky/<int:period_id>/don-vi/<str:code>/", views.scorecard, name="scorecard"),
    path(
        "ky/<int:period_id>/don-vi/<str:code>/phieu-diem.pdf",
        views.scorecard_pdf,
        name="scorecard_pdf",
    ),
    path("ky/<int:period_id>/bao-cao/", views.report, name="report"),
    path("ky/<int:period_id>/bao-cao.docx", views.report_docx, name="report_docx"),
    path("ky/<int:period_id>/bao-cao.pdf", views.report_pdf, name="report_pdf"),
]
