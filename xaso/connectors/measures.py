"""Công thức chỉ số đo — every measured indicator's formula, declared once.

Records are first summed into monthly counters per unit (``COUNTERS``: one SQL
expression per counter, summed with GROUP BY over the record table); a measured
indicator is a numerator counter over a denominator counter (``MEASURES``); and a
framework criterion names the indicator that feeds it (``FRAMEWORK_MEASURES``, keyed by
framework code then criterion code, because the framework file format has no key for
it). ``docs/connectors.md`` lists them all.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import F, Q

from xaso.connectors.models import Kind


@dataclass(frozen=True)
class Counter:
    name: str
    sql: str  # summed per unit and month over the record table
    label: str
    # The records the counter counts, for the drill-down (a test keeps it equal to ``sql``).
    q: Q


# "records" (COUNT(*)) comes first in every tally; the rest are SUMs of these expressions.
COUNTERS: dict[str, tuple[Counter, ...]] = {
    Kind.DOSSIER: (
        Counter("online", "CASE WHEN channel = 'online' THEN 1 ELSE 0 END",
                "hồ sơ tiếp nhận trực tuyến", Q(channel="online")),
        Counter("full_online", "CASE WHEN full_online THEN 1 ELSE 0 END",
                "hồ sơ trực tuyến toàn trình", Q(full_online=True)),
        Counter("resolved", "CASE WHEN resolved_at IS NOT NULL THEN 1 ELSE 0 END",
                "hồ sơ đã giải quyết", Q(resolved_at__isnull=False)),
        Counter("due_resolved",
                "CASE WHEN resolved_at IS NOT NULL AND due_at IS NOT NULL THEN 1 ELSE 0 END",
                "hồ sơ đã giải quyết có hẹn trả",
                Q(resolved_at__isnull=False, due_at__isnull=False)),
        Counter("on_time",
                "CASE WHEN resolved_at IS NOT NULL AND due_at IS NOT NULL "
                "AND resolved_at <= due_at THEN 1 ELSE 0 END",
                "hồ sơ giải quyết đúng hạn",
                Q(resolved_at__isnull=False, due_at__isnull=False, resolved_at__lte=F("due_at"))),
        Counter("with_fee", "CASE WHEN fee > 0 THEN 1 ELSE 0 END", "hồ sơ phải nộp phí, lệ phí",
                Q(fee__gt=0)),
        Counter("paid_online", "CASE WHEN fee > 0 AND paid_online THEN 1 ELSE 0 END",
                "hồ sơ nộp phí, lệ phí trực tuyến", Q(fee__gt=0, paid_online=True)),
    ),
    Kind.DOCUMENT: (
        Counter("outgoing", "CASE WHEN direction = 'out' THEN 1 ELSE 0 END", "văn bản đi",
                Q(direction="out")),
        Counter("out_signed", "CASE WHEN direction = 'out' AND signed THEN 1 ELSE 0 END",
                "văn bản đi được ký số", Q(direction="out", signed=True)),
        Counter("out_signed_online",
                "CASE WHEN direction = 'out' AND signed AND processed_online THEN 1 ELSE 0 END",
                "văn bản đi ký số và gửi trên môi trường mạng",
                Q(direction="out", signed=True, processed_online=True)),
        Counter("processed_online", "CASE WHEN processed_online THEN 1 ELSE 0 END",
                "văn bản xử lý trên môi trường mạng", Q(processed_online=True)),
    ),
    Kind.PAYMENT: (
        Counter("online", "CASE WHEN method = 'online' THEN 1 ELSE 0 END",
                "giao dịch thanh toán trực tuyến", Q(method="online")),
        Counter("amount", "amount", "tổng số tiền", Q()),
        Counter("amount_online", "CASE WHEN method = 'online' THEN amount ELSE 0 END",
                "số tiền thanh toán trực tuyến", Q(method="online")),
    ),
}  # fmt: skip

RECORDS_COUNTER = "records"


@dataclass(frozen=True)
class Measure:
    key: str
    kind: Kind
    numerator: str
    denominator: str
    name_vi: str
    description_vi: str


MEASURES: dict[str, Measure] = {
    m.key: m
    for m in (
        Measure("dossiers.online_share", Kind.DOSSIER, "online", "records",
                "Tỷ lệ hồ sơ tiếp nhận trực tuyến",
                "Hồ sơ nộp qua kênh trực tuyến / tổng số hồ sơ tiếp nhận trong kỳ."),
        Measure("dossiers.full_online_share", Kind.DOSSIER, "full_online", "records",
                "Tỷ lệ hồ sơ trực tuyến toàn trình",
                "Hồ sơ được xử lý trực tuyến toàn trình / tổng số hồ sơ tiếp nhận trong kỳ."),
        Measure("dossiers.on_time_share", Kind.DOSSIER, "on_time", "due_resolved",
                "Tỷ lệ hồ sơ giải quyết đúng hạn",
                "Hồ sơ trả kết quả không muộn hơn ngày hẹn / hồ sơ đã giải quyết có ngày hẹn "
                "(hồ sơ tiếp nhận trong kỳ)."),
        Measure("dossiers.online_payment_share", Kind.DOSSIER, "paid_online", "with_fee",
                "Tỷ lệ hồ sơ thanh toán phí, lệ phí trực tuyến",
                "Hồ sơ phải nộp phí, lệ phí đã nộp trực tuyến / hồ sơ phải nộp phí, lệ phí."),
        Measure("documents.outgoing_signed_share", Kind.DOCUMENT, "out_signed", "outgoing",
                "Tỷ lệ văn bản đi được ký số",
                "Văn bản đi có chữ ký số / tổng số văn bản đi trong kỳ."),
        Measure("documents.outgoing_signed_online_share", Kind.DOCUMENT, "out_signed_online",
                "outgoing", "Tỷ lệ văn bản đi ký số và gửi trên môi trường mạng",
                "Văn bản đi vừa ký số vừa gửi, xử lý trên môi trường mạng / tổng số văn bản đi."),
        Measure("documents.online_share", Kind.DOCUMENT, "processed_online", "records",
                "Tỷ lệ văn bản xử lý trên môi trường mạng",
                "Văn bản (đi và đến) xử lý trên môi trường mạng / tổng số văn bản trong kỳ."),
        Measure("payments.online_share", Kind.PAYMENT, "online", "records",
                "Tỷ lệ giao dịch thanh toán phí trực tuyến",
                "Giao dịch thanh toán trực tuyến / tổng số giao dịch thanh toán trong kỳ."),
        Measure("payments.online_amount_share", Kind.PAYMENT, "amount_online", "amount",
                "Tỷ lệ số tiền phí, lệ phí nộp trực tuyến",
                "Số tiền nộp trực tuyến / tổng số tiền phí, lệ phí trong kỳ."),
    )
}  # fmt: skip

# Not a ratio of record counters: PDF evidence whose digital signature checked valid.
SIGNED_EVIDENCE = "evidence.signed_count"
SIGNED_EVIDENCE_NAME = "Số tài liệu minh chứng có chữ ký số hợp lệ"

# Framework code → criterion code → measure key. Only criteria declared
# ``source: measured`` or ``source: module`` in the framework are fed.
FRAMEWORK_MEASURES: dict[str, dict[str, str]] = {
    "commune-dx": {
        "CQ.01": "documents.outgoing_signed_online_share",
        "CQ.06": "dossiers.full_online_share",
        "CQ.07": "dossiers.online_payment_share",
    },
}


def counter_names(kind: str) -> list[str]:
    return [RECORDS_COUNTER, *(c.name for c in COUNTERS[kind])]


def counter_label(kind: str, name: str) -> str:
    if name == RECORDS_COUNTER:
        return {Kind.DOSSIER: "hồ sơ", Kind.DOCUMENT: "văn bản", Kind.PAYMENT: "giao dịch"}[
            Kind(kind)
        ]
    return next(c.label for c in COUNTERS[kind] if c.name == name)


def counter_q(kind: str, name: str) -> Q:
    """The records a counter counts (every record for ``records``)."""
    if name == RECORDS_COUNTER:
        return Q()
    return next(c.q for c in COUNTERS[kind] if c.name == name)


def measure(key: str) -> Measure:
    try:
        return MEASURES[key]
    except KeyError:
        raise LookupError(f"Không có chỉ số đo “{key}”.") from None


def measures_for(framework_code: str) -> dict[str, str]:
    return dict(FRAMEWORK_MEASURES.get(framework_code, {}))


def share(numerator: float, denominator: float) -> float | None:
    return None if not denominator else numerator / denominator
