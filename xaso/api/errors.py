"""The API's error bodies, in Vietnamese and in one shape: ``{"detail": str, "errors":
{field: message}}`` — the shape the endpoints document for their own 4xx (``ErrorOut``).

django-ninja's defaults answer a malformed parameter with pydantic's English list
(``{"detail": [{"loc": …, "msg": "Input should be a valid integer"}]}``), which also
contradicted the ``422`` the assessments API documents; a missing session with
"Unauthorized"; a 404 with "Not Found"; a body that is not JSON with "Cannot parse
request body".
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

# pydantic error types → what a Vietnamese reader should fix.
MESSAGES = {
    "missing": "bắt buộc",
    "int_parsing": "phải là số nguyên",
    "int_type": "phải là số nguyên",
    "int_from_float": "phải là số nguyên",
    "float_parsing": "phải là số",
    "float_type": "phải là số",
    "finite_number": "phải là số hữu hạn",
    "bool_parsing": "phải là true hoặc false",
    "bool_type": "phải là true hoặc false",
    "string_type": "phải là chuỗi ký tự",
    "string_too_long": "quá dài",
    "string_too_short": "quá ngắn",
    "date_parsing": "phải là ngày dạng YYYY-MM-DD",
    "date_from_datetime_parsing": "phải là ngày dạng YYYY-MM-DD",
    "date_from_datetime_inexact": "phải là ngày dạng YYYY-MM-DD",
    "date_type": "phải là ngày dạng YYYY-MM-DD",
    "datetime_parsing": "phải là thời điểm ISO 8601",
    "datetime_from_date_parsing": "phải là thời điểm ISO 8601",
    "datetime_type": "phải là thời điểm ISO 8601",
    "dict_type": "phải là một đối tượng JSON",
    "model_type": "phải là một đối tượng JSON",
    "model_attributes_type": "phải là một đối tượng JSON",
    "list_type": "phải là một danh sách",
    "json_invalid": "không phải JSON hợp lệ",
    "json_type": "không phải JSON hợp lệ",
    "literal_error": "không nằm trong các giá trị cho phép",
    "enum": "không nằm trong các giá trị cho phép",
    "greater_than": "quá nhỏ",
    "greater_than_equal": "quá nhỏ",
    "less_than": "quá lớn",
    "less_than_equal": "quá lớn",
    "extra_forbidden": "không được phép",
}


# django-ninja's own English messages (our code raises HttpError in Vietnamese already).
NINJA_MESSAGES = {
    "Cannot parse request body": "Không đọc được nội dung gửi lên (JSON không hợp lệ?).",
    "CSRF check Failed": "Thiếu hoặc sai mã CSRF (gửi kèm tiêu đề X-CSRFToken).",
    "Forbidden": "Không được phép.",
    "Too many requests.": "Quá nhiều yêu cầu; hãy thử lại sau.",
}


def _where(loc: Any) -> str:
    parts = [str(p) for p in (loc or ())]
    # ninja puts the parameter's source first ("path", "query", "body"); keep it readable.
    return ".".join(parts) or "dữ liệu"


def field_errors(errors: list[dict[str, Any]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for error in errors:
        kind = str(error.get("type", ""))
        message = MESSAGES.get(kind, "không hợp lệ")
        expected = (error.get("ctx") or {}).get("expected")
        if kind in {"literal_error", "enum"} and expected:
            message += f" ({expected})"
        out.setdefault(_where(error.get("loc")), message)
    return out


def install(api: NinjaAPI) -> None:
    @api.exception_handler(ValidationError)
    def invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        errors = field_errors(list(exc.errors))
        listed = "; ".join(f"{k}: {v}" for k, v in list(errors.items())[:5])
        return api.create_response(
            request, {"detail": f"Dữ liệu gửi lên không hợp lệ — {listed}.", "errors": errors},
            status=422,
        )  # fmt: skip

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        detail = NINJA_MESSAGES.get(exc.message, exc.message)
        return api.create_response(request, {"detail": detail}, status=exc.status_code)

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        detail = (
            "Cần đăng nhập (người có quyền quản trị, thẩm định phải qua xác thực hai lớp) "
            "hoặc khoá API hợp lệ."
        )
        return api.create_response(request, {"detail": detail}, status=exc.status_code)

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        detail = str(exc)
        if not detail or "matches the given query" in detail:  # get_object_or_404's English
            detail = "Không tìm thấy."
        return api.create_response(request, {"detail": detail}, status=404)
