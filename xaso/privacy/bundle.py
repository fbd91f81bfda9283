"""The export handed to a resident: one ZIP with the data as JSON (for machines), the same
as plain Vietnamese text (for people), and the files they uploaded."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import PurePosixPath
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db.models.fields.files import FieldFile
from django.utils import timezone

from xaso.core.personal import mask_phone
from xaso.core.personal_data import RETENTIONS, DataSubject, PersonalData

# Vietnamese names for the keys exporters use; anything else falls back to the model
# field's verbose name, then to the key itself.
LABELS = {
    "id": "Mã bản ghi",
    "code": "Mã tra cứu",
    "case": "Phản ánh",
    "commune": "Xã, phường",
    "received_at": "Tiếp nhận lúc",
    "channel": "Kênh",
    "legal_class": "Loại",
    "state": "Trạng thái",
    "is_public": "Công khai",
    "title": "Tiêu đề",
    "body": "Nội dung",
    "address": "Địa chỉ",
    "latitude": "Vĩ độ",
    "longitude": "Kinh độ",
    "reporter_name": "Họ tên người gửi",
    "reporter_phone": "Số điện thoại người gửi",
    "reporter_zalo": "Zalo người gửi",
    "reporter_email": "Thư điện tử người gửi",
    "answer": "Trả lời",
    "answered_at": "Trả lời lúc",
    "closed_at": "Đóng lúc",
    "rating": "Đánh giá",
    "at": "Thời điểm",
    "kind": "Loại",
    "text": "Nội dung",
    "internal": "Nội bộ",
    "name": "Tên",
    "content_type": "Kiểu tệp",
    "size": "Dung lượng (byte)",
    "sha256": "Mã băm SHA-256",
    "uploaded_at": "Tải lên lúc",
    "file": "Tệp",
    "phone": "Số điện thoại",
    "zalo_id": "Zalo",
    "village": "Thôn",
    "household": "Hộ gia đình",
    "groups": "Nhóm",
    "topics": "Chủ đề đăng ký",
    "consent_at": "Đồng ý lúc",
    "consent_via": "Đồng ý qua",
    "opt_out_sms": "Từ chối SMS",
    "opt_out_zalo": "Từ chối Zalo",
    "queued_at": "Xếp hàng lúc",
    "sent_at": "Gửi lúc",
    "delivered_at": "Nhận lúc",
    "username": "Tên đăng nhập",
    "full_name": "Họ và tên",
    "email": "Thư điện tử",
    "organisation": "Cơ quan",
    "province": "Tỉnh",
    "date_joined": "Tạo tài khoản lúc",
    "last_login": "Đăng nhập gần nhất",
    "is_active": "Đang hoạt động",
    "roles": "Vai trò",
    "ip_address": "Địa chỉ IP",
    "user_agent": "Trình duyệt",
    "path": "Trang",
    "action": "Thao tác",
    "actor": "Người thực hiện",
    "target": "Đối tượng",
    "target_label": "Tên đối tượng",
    "changes": "Thay đổi",
    "team": "Tổ",
    "role": "Vai trò",
    "affiliation": "Đơn vị, đoàn thể",
    "active": "Đang hoạt động",
    "expire_date": "Hết hạn lúc",
    "created_at": "Tạo lúc",
    "object": "Đối tượng",
}


_ISO = re.compile(
    r"^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:[+-]\d{2}:\d{2}|Z)?)?$"
)


@dataclass
class Section:
    entry: PersonalData
    records: list[dict[str, Any]]


@dataclass
class Bundle:
    subject: DataSubject
    scope: str
    sections: list[Section]
    generated_at: dt.datetime = field(default_factory=timezone.now)
    files: dict[str, FieldFile] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(len(s.records) for s in self.sections)

    @property
    def counts(self) -> dict[str, int]:
        return {s.entry.label: len(s.records) for s in self.sections if s.records}

    @property
    def filename(self) -> str:
        return f"du-lieu-ca-nhan-{self.subject.pseudonym[:8]}-{self.generated_at:%Y%m%d}.zip"

    def _plain(self, value: Any, where: str) -> Any:
        if isinstance(value, FieldFile):
            if not value.name:
                return ""
            path = f"tep/{where}-{PurePosixPath(value.name).name}"
            self.files[path] = value
            return path
        if isinstance(value, dt.datetime):
            return value.isoformat()
        if isinstance(value, dt.date):
            return value.isoformat()
        if isinstance(value, Decimal):
            return str(value)
        if isinstance(value, dict):
            return {k: self._plain(v, where) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self._plain(v, where) for v in value]
        return value

    def data(self) -> dict[str, Any]:
        self.files.clear()
        return {
            "generated_at": self.generated_at.isoformat(),
            "scope": self.scope,
            "subject": {
                "pseudonym": self.subject.pseudonym,
                "phones": sorted(self.subject.phones),
                "accounts": sorted(self.subject.usernames),
                "zalo_ids": sorted(self.subject.zalo_ids),
                "emails": sorted(self.subject.emails),
            },
            "sections": [
                {
                    "model": s.entry.label,
                    "title": s.entry.title,
                    "purpose": s.entry.purpose,
                    "retention": RETENTIONS[s.entry.retention].label,
                    "records": [
                        self._plain(r, f"{s.entry.model._meta.model_name}-{i}")
                        for i, r in enumerate(s.records, 1)
                    ],
                }
                for s in self.sections
                if s.records
            ],
        }

    def as_json(self) -> bytes:
        return json.dumps(self.data(), ensure_ascii=False, indent=2).encode()

    def as_text(self) -> str:
        data = self.data()
        local = timezone.localtime(self.generated_at)
        lines = [
            "DỮ LIỆU CÁ NHÂN XASO ĐANG LƯU VỀ BẠN",
            "",
            f"Lập lúc: {local:%d/%m/%Y %H:%M} (giờ Việt Nam)",
            f"Phạm vi: {self.scope}",
            "Số điện thoại: " + (", ".join(mask_phone(p) for p in sorted(self.subject.phones))
                                  or "—"),
            f"Tổng số bản ghi: {self.total}",
            "",
        ]  # fmt: skip
        if not data["sections"]:
            lines.append("Không có dữ liệu nào về bạn trong phạm vi này.")
        entries = {s.entry.label: s.entry for s in self.sections}
        for n, section in enumerate(data["sections"], 1):
            entry = entries[section["model"]]
            lines += [
                f"{n}. {section['title']} — {len(section['records'])} bản ghi",
                f"   Mục đích: {section['purpose']}",
                f"   Thời hạn lưu trữ: {section['retention']}",
            ]
            for record in section["records"]:
                lines.append("   -")
                for key, value in record.items():
                    lines.append(f"     {_label(entry, key)}: {_shown(value)}")
            lines.append("")
        return "\n".join(lines) + "\n"

    def as_zip(self) -> bytes:
        text = self.as_text()
        body = self.as_json()
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("du-lieu.json", body)
            archive.writestr("du-lieu.txt", text)
            for path, stored in self.files.items():
                try:
                    with stored.storage.open(str(stored.name), "rb") as fh:
                        archive.writestr(path, fh.read())
                except FileNotFoundError:
                    archive.writestr(f"{path}.thieu.txt", "Tệp không còn trong kho lưu trữ.\n")
        return buffer.getvalue()


def _label(entry: PersonalData, key: str) -> str:
    if key in LABELS:
        return LABELS[key]
    try:
        return entry.field_label(key)
    except FieldDoesNotExist:  # a key the exporter made up, not a model field
        return key


def _shown(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if value is True:
        return "có"
    if value is False:
        return "không"
    if isinstance(value, list):
        return "; ".join(_shown(v) for v in value) or "—"
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_shown(v)}" for k, v in value.items()) or "—"
    text = str(value)
    if isinstance(value, str) and _ISO.match(text):
        moment = dt.datetime.fromisoformat(text)
        if moment.tzinfo is not None:
            return f"{timezone.localtime(moment):%d/%m/%Y %H:%M}"
        return f"{moment:%d/%m/%Y}"
    return text.replace("\n", "\n       ")
