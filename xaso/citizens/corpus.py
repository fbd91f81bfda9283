"""The province's standard categories and a generator of realistic report texts for them.

The demo, the benchmark and the tests need closed cases to train the classifier on before
a province has its own; the generator composes reports the way residents write them
(with and without diacritics, short SMS and longer web reports). It is seeded, so a run
is reproducible.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from xaso.core.text import fold


@dataclass(frozen=True)
class StandardCategory:
    code: str
    name: str
    legal_class: str
    group: str
    subjects: tuple[str, ...]
    problems: tuple[str, ...]
    asks: tuple[str, ...]


STANDARD_CATEGORIES: tuple[StandardCategory, ...] = (
    StandardCategory(
        "giao-thong",
        "Giao thông, đường sá",
        "field",
        "Hạ tầng",
        (
            "đường liên thôn",
            "đường bê tông",
            "cầu tạm",
            "mặt đường",
            "đường vào buôn",
            "con dốc",
            "cống qua đường",
        ),
        (
            "bị sạt lở",
            "hỏng nặng, nhiều ổ gà",
            "bị lún sâu",
            "ngập bùn, xe máy không đi được",
            "nứt toác sau mưa",
            "bị xe tải chở đất cày nát",
        ),
        ("đề nghị xã sửa chữa", "mong xã cho đổ đá", "đề nghị cắm biển cảnh báo"),
    ),
    StandardCategory(
        "chieu-sang",
        "Điện chiếu sáng công cộng",
        "field",
        "Hạ tầng",
        ("đèn đường", "bóng đèn chiếu sáng", "cột đèn", "hệ thống đèn năng lượng mặt trời"),
        ("bị cháy không sáng", "tắt cả tuần nay", "chập chờn ban đêm", "bị gãy nghiêng"),
        ("đề nghị thay bóng", "đề nghị sửa để bà con đi lại ban đêm"),
    ),
    StandardCategory(
        "rac-thai",
        "Rác thải, vệ sinh môi trường",
        "field",
        "Môi trường",
        ("rác thải", "bãi rác tự phát", "túi ni lông", "xác động vật", "rác sinh hoạt"),
        (
            "đổ bừa bãi ven đường",
            "bốc mùi hôi thối",
            "không ai thu gom mấy tuần",
            "tràn ra mương nước",
        ),
        ("đề nghị thu gom", "đề nghị xử lý người đổ trộm", "mong xã bố trí thùng rác"),
    ),
    StandardCategory(
        "nuoc-sach",
        "Nước sinh hoạt, thoát nước",
        "field",
        "Hạ tầng",
        ("nước máy", "đường ống nước", "giếng khoan chung", "mương thoát nước", "cống rãnh"),
        ("bị vỡ, nước chảy lênh láng", "mất nước ba ngày", "nước đục có mùi", "bị tắc gây ngập"),
        ("đề nghị khắc phục", "đề nghị nạo vét", "mong sớm có nước dùng"),
    ),
    StandardCategory(
        "dat-dai",
        "Đất đai, xây dựng",
        "field",
        "Đất đai",
        ("nhà bên cạnh", "công trình xây dựng", "hàng rào", "phần đất lấn chiếm", "thửa đất"),
        (
            "xây lấn sang đất nhà tôi",
            "xây không phép",
            "lấn hành lang đường",
            "đổ đất san lấp ruộng",
        ),
        ("đề nghị kiểm tra, xử lý", "đề nghị đo đạc lại ranh giới"),
    ),
    StandardCategory(
        "an-ninh",
        "An ninh trật tự",
        "field",
        "Trật tự",
        ("nhóm thanh niên", "quán karaoke", "xe độ", "người lạ"),
        ("tụ tập gây ồn ào khuya", "hát to quá 22 giờ", "đua xe lạng lách", "trộm cắp gà vịt"),
        ("đề nghị công an xã xử lý", "mong tăng cường tuần tra"),
    ),
    StandardCategory(
        "chinh-sach",
        "Chính sách xã hội",
        "regulation",
        "Xã hội",
        (
            "chế độ hộ nghèo",
            "trợ cấp người cao tuổi",
            "bảo hiểm y tế",
            "học bổng cho con",
            "hỗ trợ người khuyết tật",
        ),
        (
            "chưa được nhận",
            "bị cắt không rõ lý do",
            "chậm chi trả mấy tháng",
            "thủ tục quá rườm rà",
        ),
        ("đề nghị xem xét lại", "đề nghị giải thích quy định", "kiến nghị sửa quy định"),
    ),
    StandardCategory(
        "thu-tuc",
        "Thủ tục hành chính",
        "regulation",
        "Hành chính",
        (
            "hồ sơ chứng thực",
            "giấy khai sinh",
            "đăng ký hộ tịch",
            "dịch vụ công trực tuyến",
            "cấp sổ đỏ",
        ),
        (
            "trả kết quả trễ hẹn",
            "bị yêu cầu nộp thêm giấy tờ không có trong quy định",
            "cán bộ hẹn nhiều lần",
            "hệ thống báo lỗi không nộp được",
        ),
        ("đề nghị hướng dẫn", "kiến nghị đơn giản hoá thủ tục"),
    ),
)

_OPENINGS = ("", "Kính gửi UBND xã, ", "Xin phản ánh: ", "Tôi là người dân thôn, ", "Alo xã ơi ")
_PLACES = (
    "ở thôn 1",
    "tại buôn Ea Tu",
    "gần trường tiểu học",
    "đoạn qua chợ",
    "ở tổ dân phố 5",
    "phía sau nhà văn hoá",
    "ở thôn 3",
)


def generate(n: int, *, seed: int = 7) -> list[tuple[str, str]]:
    """``n`` (text, category code) pairs; about a third typed without diacritics, as SMS
    often are, and a few with a word from another category to keep it honest."""
    rng = random.Random(seed)
    out: list[tuple[str, str]] = []
    for i in range(n):
        cat = STANDARD_CATEGORIES[i % len(STANDARD_CATEGORIES)]
        parts = [
            rng.choice(_OPENINGS),
            rng.choice(cat.subjects),
            rng.choice(_PLACES),
            rng.choice(cat.problems),
        ]
        if rng.random() < 0.6:
            parts.append(rng.choice(cat.asks))
        if rng.random() < 0.3:
            other = rng.choice(STANDARD_CATEGORIES)
            parts.append(f"(gần {rng.choice(other.subjects)})")
        if rng.random() < 0.2:
            parts = parts[:2] + parts[3:4]  # a short SMS: subject and problem only
        text = " ".join(p for p in parts if p).strip()
        text = text[0].upper() + text[1:]
        if rng.random() < 0.33:
            text = fold(text)
        # Officers misfile a few cases; a classifier trained on real data sees that too.
        label = rng.choice(STANDARD_CATEGORIES).code if rng.random() < 0.05 else cat.code
        out.append((text, label))
    rng.shuffle(out)
    return out
