"""Register entries for apps whose own modules are being changed by others right now
(assessments, connectors). They belong in ``<app>/personal.py`` beside the models, as
accounts, citizens and programs have them; move them there when those apps are free.
The privacy app sits above both in the layers, so it may import their models."""

from __future__ import annotations

from xaso.core.personal_data import register_not_personal, register_personal_data


def register() -> None:
    from xaso.assessments import models as assessments
    from xaso.connectors import models as connectors

    register_personal_data(
        assessments.Evidence,
        title="Tài liệu kiểm chứng",
        fields={"file": "file", "original_name": "file"},
        subject="Cán bộ tải lên; người có tên trong tài liệu kiểm chứng",
        purpose="Tài liệu kiểm chứng của kỳ đánh giá",
        retention="official_records",
        note="Tài liệu công vụ: không xoá theo yêu cầu; che dữ liệu cá nhân trước khi tải "
        "lên nếu không cần cho việc kiểm chứng.",
    )
    register_personal_data(
        connectors.SignatureCheck,
        title="Kiểm tra chữ ký số",
        fields={"signer": "official"},
        subject="Người ký số văn bản kiểm chứng (cán bộ)",
        purpose="Kiểm tra chữ ký số trên tài liệu kiểm chứng",
        retention="official_records",
        note="Tên trong chứng thư số của văn bản công vụ: không xoá theo yêu cầu.",
    )
    register_not_personal(
        assessments.FrameworkVersion,
        {"name_vi": "tên bộ chỉ số", "name_en": "tên bộ chỉ số (tiếng Anh)"},
    )
    register_not_personal(assessments.Period, {"name": "tên kỳ đánh giá"})
    register_not_personal(assessments.SnapshotUnit, {"unit_name": "tên đơn vị được chấm"})
    register_not_personal(assessments.ImportJob, {"file": "bảng tính số liệu đánh giá"})
    register_not_personal(connectors.Source, {"name": "tên hệ thống nguồn"})
    register_not_personal(connectors.TrustRoot, {"name": "tên tổ chức cấp chứng thư số"})
    register_not_personal(connectors.Dossier, {"procedure_name": "tên thủ tục hành chính"})
