"""The register of personal data is complete (a new personal-looking field that nobody
registered fails here), consistent, rendered for administrators and identical to
docs/personal-data.md."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.db import models
from django.test.utils import isolate_apps
from django.urls import reverse

from xaso.accounts.models import User
from xaso.accounts.tests.conftest import sign_in
from xaso.core.personal_data import (
    CATEGORIES,
    RETENTIONS,
    looks_personal,
    register_not_personal,
    register_personal_data,
    registered,
    scrub_text,
    unregister_personal_data,
    unregistered_personal_fields,
)
from xaso.privacy import register_doc


def test_every_personal_looking_field_of_every_model_is_in_the_register() -> None:
    missing = unregistered_personal_fields(apps.get_models())
    assert not missing, (
        "Register these fields with xaso.core.personal_data.register_personal_data (or "
        f"declare them with register_not_personal, saying why) in the app's personal.py: {missing}"
    )


@isolate_apps("xaso.privacy")
def test_a_model_that_gains_a_personal_field_fails_until_it_is_registered() -> None:
    class Petition(models.Model):
        title = models.CharField(max_length=100)
        signer_phone = models.CharField(max_length=20)
        cccd = models.CharField(max_length=12)
        ip_address = models.GenericIPAddressField(null=True)
        scan = models.FileField()
        village_name = models.CharField(max_length=100)

        class Meta:
            app_label = "privacy"

        def __str__(self) -> str:
            return self.title

    try:
        assert unregistered_personal_fields([Petition]) == [
            "privacy.petition.cccd",
            "privacy.petition.ip_address",
            "privacy.petition.scan",
            "privacy.petition.signer_phone",
            "privacy.petition.village_name",
        ]
        register_personal_data(
            Petition,
            fields={"signer_phone": "phone", "cccd": "id_number", "ip_address": "network",
                    "scan": "file"},
            subject="Người ký kiến nghị", purpose="Thử", retention="closed_cases",
        )  # fmt: skip
        register_not_personal(Petition, {"village_name": "tên thôn"})
        assert unregistered_personal_fields([Petition]) == []
    finally:
        unregister_personal_data(Petition)


def test_registrations_are_checked_when_they_are_made() -> None:
    from django.core.exceptions import FieldDoesNotExist

    from xaso.citizens.models import Case

    with pytest.raises(FieldDoesNotExist):
        register_personal_data(Case, fields={"reporter_fone": "phone"}, subject="x",
                               purpose="x", retention="closed_cases")  # fmt: skip
    with pytest.raises(ValueError, match="categories"):
        register_personal_data(Case, fields={"reporter_phone": "telephone"}, subject="x",
                               purpose="x", retention="closed_cases")  # fmt: skip
    assert registered()  # the real registrations were not disturbed
    assert any(e.label == "citizens.case" and "reporter_phone" in e.fields for e in registered())


def test_what_looks_personal() -> None:
    def field(f: models.Field) -> models.Field:  # type: ignore[type-arg]
        f.set_attributes_from_name(f.name or "x")
        return f

    assert looks_personal(field(models.CharField(name="reporter_zalo")))
    assert looks_personal(field(models.CharField(name="id_number")))
    assert looks_personal(field(models.ImageField(name="portrait")))
    assert not looks_personal(field(models.CharField(name="ship_date")))  # "ip" is a word
    assert not looks_personal(field(models.CharField(name="title")))


def test_every_entry_is_consistent() -> None:
    for entry in registered():
        assert set(entry.fields.values()) <= set(CATEGORIES), entry.label
        assert entry.retention in RETENTIONS, entry.label
        assert entry.subject and entry.purpose, entry.label
        if entry.erase_rows is not None:
            assert entry.select is not None or entry.expire is not None, entry.label
        if entry.select is None and entry.erase_rows is None:
            assert entry.note, f"{entry.label}: say why it is neither exported nor erased"
    labels = {e.label for e in registered()}
    assert {"citizens.case", "citizens.contact", "citizens.outboxmessage", "accounts.user",
            "citizens.attachment", "core.auditentry", "programs.teammember"} <= labels  # fmt: skip


def test_scrubbing_finds_a_number_however_it_is_written() -> None:
    text = "Gọi 0912 345 678, +84 912.345.678 hoặc 84912345678; mã 10912345678 thì không."
    scrubbed = scrub_text(text, phones=["0912345678"], marker="[x]")
    assert scrubbed == "Gọi [x], [x] hoặc [x]; mã 10912345678 thì không."
    assert scrub_text("Chào Nguyễn Văn An và An", others=["Nguyễn Văn An", "An"],
                      marker="[x]") == "Chào [x] và An"  # fmt: skip


def test_the_document_matches_the_register() -> None:
    assert register_doc.is_current(), (
        "docs/personal-data.md is behind the register: run `xaso personal-data register --write`."
    )


@pytest.mark.django_db
def test_the_register_page_is_for_province_administrators(
    client: object, admin_dl: User, officer_hp: User
) -> None:
    from django.test import Client

    page = sign_in(Client(), admin_dl).get(reverse("privacy:register"))
    html = page.content.decode()
    assert page.status_code == 200 and "Sổ đăng ký dữ liệu cá nhân" in html
    assert (
        "citizens.case" in html and "reporter_phone" in html and "số điện thoại người gửi" in html
    )
    assert "XASO_RETENTION_CLOSED_CASES_DAYS" in html
    assert sign_in(Client(), officer_hp).get(reverse("privacy:register")).status_code == 404
    assert Client().get(reverse("privacy:register")).status_code == 302  # to the login page
