from django.urls import path, re_path

from xaso.citizens.views import announcements, officer, public, webhooks

app_name = "citizens"
urlpatterns = [
    # Residents
    path("phan-anh/tra-cuu/", public.lookup, name="lookup"),
    path("phan-anh/theo-doi/<str:token>/", public.track, name="track"),
    path("phan-anh/<str:code>/gui/", public.report_form, name="report"),
    path("phan-anh/cong-khai/<str:code>/", public.board, name="board"),
    path("phan-anh/cong-khai/<str:code>/rss.xml", public.BoardFeed(), name="board_rss"),
    path("phan-anh/cong-khai/<str:code>/atom.xml", public.BoardAtom(), name="board_atom"),
    path(
        "phan-anh/bao-cao/<str:code>/<int:year>-<int:month>/",
        public.monthly_report,
        name="report_month",
    ),
    path(
        "phan-anh/bao-cao/<str:code>/<int:year>-<int:month>.pdf",
        public.monthly_report,
        {"fmt": "pdf"},
        name="report_month_pdf",
    ),
    path("thong-bao/<str:code>/", public.announcements, name="announcements"),
    path("thong-bao/<str:code>/rss.xml", public.AnnouncementFeed(), name="announcements_rss"),
    path("thong-bao/<str:code>/dang-ky/", public.subscribe, name="subscribe"),
    path("thong-bao/xem/<int:pk>/", public.announcement, name="announcement"),
    re_path(r"^thong-bao/am-thanh/(?P<pk>\d+)\.(?P<fmt>ogg|mp3)$", public.clip, name="clip"),
    # Providers' webhooks
    path("kenh/sms/<slug:name>/", webhooks.sms_inbound, name="sms_inbound"),
    path("kenh/sms/<slug:name>/bao-cao/", webhooks.sms_report, name="sms_report"),
    path("kenh/zalo/<slug:name>/", webhooks.zalo_webhook, name="zalo_webhook"),
    # Officers
    path("can-bo/phan-anh/", officer.home, name="officer_home"),
    path("can-bo/phan-anh/xa/<str:code>/", officer.queue, name="queue"),
    path("can-bo/phan-anh/xa/<str:code>/tiep-nhan/", officer.counter_entry, name="counter"),
    path("can-bo/phan-anh/xa/<str:code>/nhap-tep/", officer.import_cases, name="import_cases"),
    path("can-bo/phan-anh/xa/<str:code>/thong-ke/", officer.statistics, name="statistics"),
    path("can-bo/phan-anh/<int:pk>/", officer.case_detail, name="case"),
    path(
        "can-bo/phan-anh/<int:pk>/tep/<int:attachment_id>/", officer.attachment, name="attachment"
    ),
    path(
        "can-bo/thong-bao/xa/<str:code>/", announcements.announcement_list, name="announcement_list"
    ),
    path(
        "can-bo/thong-bao/<int:pk>/", announcements.announcement_detail, name="announcement_detail"
    ),
    path("can-bo/thong-bao/<int:pk>/chua-nhan/", announcements.not_reached, name="not_reached"),
    path("can-bo/nguoi-nhan/xa/<str:code>/", announcements.contacts, name="contacts"),
]
