"""Thư viện nhiệm vụ mẫu — the tasks the seeds list for a commune pilot (Đắk Lắk's plan
23/KH-STTTT of 2022, Bắc Kạn's plan 369/KH-UBND of 2023), each with who usually leads
it, how long it usually takes, and the commune-dx criterion it should move."""

from __future__ import annotations

from dataclasses import dataclass

from xaso.programs.models import OwnerKind


@dataclass(frozen=True)
class TaskTemplate:
    code: str
    title: str
    description: str
    owner_kind: str
    months: int
    criterion: str  # commune-dx criterion code the task should move
    group: str


TASK_TEMPLATES: tuple[TaskTemplate, ...] = (
    TaskTemplate(
        "HT-MANG",
        "Rà soát, hoàn thiện hạ tầng mạng LAN, Internet và thiết bị CNTT của UBND xã",
        "Thiết lập hạ tầng viễn thông và Internet; nâng cấp, bổ sung máy tính bảo đảm cấu hình "
        "cho cán bộ, công chức.",
        OwnerKind.SPONSOR,
        3,
        "NT2.01",
        "Hạ tầng số",
    ),
    TaskTemplate(
        "HT-HNTH",
        "Triển khai hệ thống hội nghị truyền hình tới UBND xã",
        "Điểm cầu hội nghị truyền hình kết nối tỉnh – huyện – xã.",
        OwnerKind.DEPARTMENT,
        4,
        "NT2.03",
        "Hạ tầng số",
    ),
    TaskTemplate(
        "HT-CAMERA",
        "Triển khai hệ thống camera giám sát an ninh",
        "Camera giám sát an ninh trật tự tại trung tâm xã và các điểm giao thông chính.",
        OwnerKind.SPONSOR,
        4,
        "NT4.01",
        "Hạ tầng số",
    ),
    TaskTemplate(
        "HT-BUUDIEN",
        "Nâng cấp điểm cung cấp dịch vụ bưu chính, viễn thông xã",
        "Điểm bưu điện văn hoá xã hỗ trợ người dân nộp hồ sơ, nhận kết quả qua bưu chính.",
        OwnerKind.SPONSOR,
        3,
        "CQ.06",
        "Hạ tầng số",
    ),
    TaskTemplate(
        "HT-WIFI",
        "Lắp đặt điểm Wi-Fi công cộng miễn phí",
        "Tập trung tại bộ phận một cửa và khu vực nhiều cửa hàng mua bán.",
        OwnerKind.SPONSOR,
        2,
        "XH.02",
        "Hạ tầng số",
    ),
    TaskTemplate(
        "CQ-CTS",
        "Cấp chứng thư số chuyên dùng, triển khai ký số cho cán bộ, công chức",
        "Ưu tiên công chức bộ phận một cửa để số hoá hồ sơ giải quyết thủ tục hành chính.",
        OwnerKind.DEPARTMENT,
        2,
        "CQ.02",
        "Chính quyền số",
    ),
    TaskTemplate(
        "CQ-MOTCUA",
        "Trang bị máy tính, máy quét (scan) cho bộ phận một cửa",
        "Mua sắm từ nguồn kinh phí UBND tỉnh giao để số hoá hồ sơ, kết quả giải quyết TTHC.",
        OwnerKind.DEPARTMENT,
        3,
        "CQ.08",
        "Chính quyền số",
    ),
    TaskTemplate(
        "CQ-IDESK",
        "Sử dụng hệ thống quản lý văn bản và điều hành của tỉnh",
        "Văn bản đi được ký số, gửi nhận và xử lý trên môi trường mạng; các phần mềm quản lý khác.",
        OwnerKind.COMMUNE,
        6,
        "CQ.01",
        "Chính quyền số",
    ),
    TaskTemplate(
        "CQ-DVCTT",
        "Hướng dẫn người dân nộp hồ sơ trực tuyến toàn trình, thanh toán trực tuyến",
        "Hỗ trợ tại bộ phận một cửa; đẩy mạnh thanh toán phí, lệ phí trực tuyến.",
        OwnerKind.COMMUNE,
        6,
        "CQ.07",
        "Chính quyền số",
    ),
    TaskTemplate(
        "CQ-KENH",
        "Thiết lập kênh giao tiếp với người dân (SMS, mạng xã hội, Zalo)",
        "Mỗi xã có tối thiểu một kênh để tuyên truyền, cung cấp thông tin và tiếp nhận phản "
        "ánh, kiến nghị của người dân, doanh nghiệp.",
        OwnerKind.COMMUNE,
        2,
        "CQ.10",
        "Chính quyền số",
    ),
    TaskTemplate(
        "NL-TAPHUAN",
        "Đào tạo, tập huấn kỹ năng số cho cán bộ, công chức",
        "Tập huấn, tuyên truyền cho đội ngũ cán bộ, công chức, viên chức.",
        OwnerKind.DEPARTMENT,
        2,
        "NT3.01",
        "Nhân lực số",
    ),
    TaskTemplate(
        "NL-TOCNS",
        "Thành lập, kiện toàn Tổ công nghệ số cộng đồng ở các thôn",
        "Bảo đảm 100% thôn, tổ dân phố có Tổ công nghệ số cộng đồng hoạt động.",
        OwnerKind.COMMUNE,
        2,
        "NT3.02",
        "Nhân lực số",
    ),
    TaskTemplate(
        "XH-NGAYHOI",
        "Tổ chức Ngày hội chuyển đổi số",
        "Trải nghiệm dịch vụ số, cài đặt ứng dụng (VssID, VNeID), mở tài khoản thanh toán.",
        OwnerKind.SPONSOR,
        1,
        "XH.05",
        "Xã hội số",
    ),
    TaskTemplate(
        "XH-DIENTHOAI",
        "Cấp phát điện thoại thông minh cho hộ nghèo, hộ khó khăn",
        "Phối hợp doanh nghiệp viễn thông.",
        OwnerKind.SPONSOR,
        2,
        "XH.03",
        "Xã hội số",
    ),
    TaskTemplate(
        "XH-VSSID",
        "Hướng dẫn người dân cài đặt VssID, VNeID",
        "Tổ công nghệ số cộng đồng hướng dẫn tại thôn, tại bộ phận một cửa.",
        OwnerKind.COMMUNE,
        6,
        "XH.04",
        "Xã hội số",
    ),
    TaskTemplate(
        "KT-CHO40",
        "Triển khai mô hình “Chợ 4.0” thanh toán không dùng tiền mặt",
        "Tiểu thương có mã QR thanh toán; phối hợp ngân hàng thương mại.",
        OwnerKind.SPONSOR,
        3,
        "KT.03",
        "Kinh tế số",
    ),
    TaskTemplate(
        "KT-HTX",
        "Tư vấn, hỗ trợ hợp tác xã bán hàng online, lên sàn thương mại điện tử",
        "Đưa sản phẩm chủ lực, OCOP lên sàn thương mại điện tử.",
        OwnerKind.SPONSOR,
        4,
        "KT.01",
        "Kinh tế số",
    ),
    TaskTemplate(
        "KT-THUONGHIEU",
        "Quảng bá thương hiệu địa phương trên nền tảng số",
        "Sản phẩm, du lịch, văn hoá của xã trên trang thông tin điện tử và mạng xã hội.",
        OwnerKind.COMMUNE,
        4,
        "KT.02",
        "Kinh tế số",
    ),
    TaskTemplate(
        "XH-GIAODUC",
        "Ứng dụng CNTT phát triển giáo dục thông minh",
        "Căn cứ thực trạng, triển khai tại trường học trên địa bàn xã.",
        OwnerKind.DEPARTMENT,
        6,
        "XH.03",
        "Xã hội số",
    ),
    TaskTemplate(
        "XH-YTE",
        "Ứng dụng CNTT phát triển y tế thông minh",
        "Hồ sơ sức khoẻ điện tử, khám chữa bệnh bằng căn cước công dân tại trạm y tế xã.",
        OwnerKind.DEPARTMENT,
        6,
        "XH.01",
        "Xã hội số",
    ),
)

TEMPLATES_BY_CODE = {t.code: t for t in TASK_TEMPLATES}
