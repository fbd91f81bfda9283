"""Pages and API: each role sees what the scoping allows (404 otherwise), pages keep to
the CSP (no inline styles or scripts), documents download, the quick form works for a
team member, and the endpoints are in the OpenAPI document."""

from __future__ import annotations

import datetime as dt
import io
import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from docx import Document

from xaso.accounts.models import User
from xaso.accounts.tests.factories import make_user
from xaso.programs import actions
from xaso.programs.models import Participant, TeamActivity
from xaso.programs.tests.conftest import sign_in
from xaso.units.models import Unit

pytestmark = pytest.mark.django_db
D = dt.date
INLINE = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|\sstyle=\"", re.I)


@pytest.fixture
def sponsor(p_song_cau: Participant) -> User:
    org = actions.do_save_sponsor_organisation(
        province=p_song_cau.programme.province, name="VNPT Bắc Kạn", kind="enterprise", actor=None
    )
    user = make_user(province=p_song_cau.programme.province, organisation="VNPT Bắc Kạn")
    actions.do_link_sponsor_account(org, user=user, actor=None)
    actions.do_assign_sponsor(p_song_cau, organisation=org, actor=None)
    actions.do_apply_templates(
        p_song_cau, codes=["HT-WIFI", "CQ-KENH"], starts_on=D(2023, 8, 1), actor=None
    )
    return User.objects.get(pk=user.pk)


def _page(client: Client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, url
    text = response.content.decode()
    assert not INLINE.search(text), f"inline script or style on {url}"
    return text


def test_the_department_runs_the_programme_from_its_pages(
    client: Client,
    admin_tn: User,
    p_song_cau: Participant,
    p_quang_thuan: Participant,
    sponsor: User,
) -> None:
    sign_in(client, admin_tn)
    programme = p_song_cau.programme
    html = _page(client, reverse("programs:overview", args=[programme.pk]))
    assert '<svg class="pmap"' in html and html.count('class="dot dot-') == 2
    assert p_quang_thuan.unit.name in html and "VNPT Bắc Kạn" in html
    _page(client, reverse("programs:commune", args=[p_song_cau.pk]))
    _page(client, reverse("programs:report", args=[programme.pk]))
    _page(client, reverse("programs:readiness", args=[programme.pk]))
    response = client.post(
        reverse("programs:report", args=[programme.pk]),
        {
            "kind": "progress",
            "number": "7/BC-STTTT",
            "issued_on": "2023-10-05",
            "as_of": "2023-09-30",
            "signer_title": "GIÁM ĐỐC",
        },
    )
    assert response.status_code == 302
    report = programme.reports.get()
    docx = client.get(reverse("programs:report_document", args=[report.pk, "docx"]))
    assert docx.status_code == 200
    text = "\n".join(p.text for p in Document(io.BytesIO(docx.content)).paragraphs)
    assert "Tiến độ thực hiện" in text
    pdf = client.get(reverse("programs:report_document", args=[report.pk, "pdf"]))
    assert pdf.content.startswith(b"%PDF")
    xlsx = client.get(reverse("programs:plan_export", args=[programme.pk]))
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    bad = client.post(
        reverse("programs:plan_import", args=[programme.pk]),
        {"file": SimpleUploadedFile("k.xlsx", b"rubbish")},
    )
    assert bad.status_code == 400
    assert "Tệp không phải bảng tính Excel" in bad.content.decode()


def test_a_sponsor_sees_its_commune_and_updates_only_its_tasks(
    client: Client, sponsor: User, p_song_cau: Participant, p_quang_thuan: Participant
) -> None:
    sign_in(client, sponsor)
    html = _page(client, reverse("programs:sponsor"))
    assert p_song_cau.unit.name in html and p_quang_thuan.unit.name not in html
    _page(client, reverse("programs:commune", args=[p_quang_thuan.pk]), 404)
    overview = _page(client, reverse("programs:overview", args=[p_song_cau.programme_id]))
    assert p_quang_thuan.unit.name not in overview
    wifi = p_song_cau.tasks.get(template_code="HT-WIFI")  # led by the sponsor
    channel = p_song_cau.tasks.get(template_code="CQ-KENH")  # led by the commune
    ok = client.post(
        reverse("programs:task", args=[wifi.pk]),
        {"version": wifi.version, "status": "in_progress", "progress": 50},
    )
    assert ok.status_code == 302
    refused = client.post(
        reverse("programs:task", args=[channel.pk]),
        {"version": channel.version, "status": "done", "progress": 100},
    )
    assert refused.status_code == 404
    channel.refresh_from_db()
    assert channel.status == "planned"
    # The plan's KPIs are the commune's and the department's to measure.
    kpi = actions.do_add_kpi(
        p_song_cau,
        name="Thanh toán",
        baseline=0.1,
        baseline_on=D(2023, 6, 30),
        baseline_source="x",
        target=10,
        target_on=D(2023, 12, 31),
        actor=None,
    )
    post = client.post(
        reverse("programs:record_measurement", args=[kpi.pk]),
        {"value": 5, "measured_on": "2023-09-30", "source": "x"},
    )
    assert post.status_code == 404 and not kpi.measurements.exists()
    # API: the same boundaries.
    api = client.get(f"/api/programs/communes/{p_quang_thuan.pk}/plan")
    assert api.status_code == 404
    plan = client.get(f"/api/programs/communes/{p_song_cau.pk}/plan").json()
    assert {t["title"] for t in plan["tasks"]} == {wifi.title, channel.title}


def test_an_officer_records_a_measurement_and_sees_a_clear_error_otherwise(
    client: Client, p_song_cau: Participant, song_cau: Unit
) -> None:
    officer = make_user(role="commune_officer", units=[song_cau])
    sign_in(client, officer)
    kpi = actions.do_add_kpi(
        p_song_cau,
        name="Thanh toán",
        baseline=0.1,
        baseline_on=D(2023, 6, 30),
        baseline_source="x",
        target=10,
        target_on=D(2023, 12, 31),
        actor=None,
    )
    url = reverse("programs:record_measurement", args=[kpi.pk])
    client.post(url, {"value": 10.7, "measured_on": "2023-12-31", "source": "Một cửa"})
    assert kpi.measurements.get().value == 10.7
    response = client.post(
        url, {"value": 150, "measured_on": "2023-12-30", "source": "x"}, follow=True
    )
    assert "nhận giá trị từ 0 đến 100" in response.content.decode()
    html = _page(client, reverse("programs:commune", args=[p_song_cau.pk]))
    assert "107,1%" in html and 'class="spark"' in html


def test_a_team_member_logs_activity_from_the_quick_form(
    client: Client, song_cau: Unit, sponsor: User
) -> None:
    team = actions.do_register_team(
        unit=song_cau, name="Tổ CNS", established_on=D(2024, 1, 1), actor=None
    )
    [village] = actions.do_add_villages(unit=song_cau, names=["Tổ dân phố 3"], actor=None)
    resident = make_user(role="citizen", units=[song_cau])
    actions.do_add_team_member(
        team,
        full_name="Hà Thị Vân",
        role="member",
        phone="0987654321",
        village=village,
        user=resident,
        actor=None,
    )
    sign_in(client, resident)
    url = reverse("programs:team_log", args=[team.pk])
    form = _page(client, url)
    assert "Hướng dẫn cài đặt VssID" in form
    response = client.post(
        url, {"kind": "vssid", "count": 9, "happened_on": "2024-05-02", "village": village.pk}
    )
    assert response.status_code == 302
    assert TeamActivity.objects.get().count == 9
    # The register (names, phones) is not the resident's to read; the sponsor reads it
    # with phones masked.
    assert client.get(reverse("programs:team", args=[team.pk])).status_code == 404
    client.force_login(sponsor)
    html = _page(client, reverse("programs:team", args=[team.pk]))
    assert "09x xxx x321" in html and "0987654321" not in html


def test_the_api_is_in_the_openapi_document(client: Client) -> None:
    spec = json.loads(client.get("/api/openapi.json").content)
    paths = set(spec["paths"])
    for path in (
        "/api/programs",
        "/api/programs/{pk}",
        "/api/programs/communes/{pid}/plan",
        "/api/programs/kpis/{kpi_id}/measurements",
        "/api/programs/{pk}/readiness",
        "/api/programs/teams/coverage",
        "/api/programs/teams/{team_id}/activities",
    ):
        assert path in paths, path
    assert client.get("/api/programs").status_code == 401


def test_pages_answer_404_to_people_without_a_role_there(
    client: Client, p_song_cau: Participant, hoa_phu: Unit
) -> None:
    stranger = make_user(role="commune_officer", units=[hoa_phu])
    sign_in(client, stranger)
    for url in (
        reverse("programs:overview", args=[p_song_cau.programme_id]),
        reverse("programs:commune", args=[p_song_cau.pk]),
        reverse("programs:readiness", args=[p_song_cau.programme_id]),
    ):
        assert client.get(url).status_code == 404, url
    assert client.get(reverse("programs:create")).status_code == 404
    anonymous = Client()
    assert anonymous.get(reverse("programs:list")).status_code == 302
