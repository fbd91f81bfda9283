"""An OpenAPI 3 description of the Open311 GeoReport v2 endpoints under /open311/v2/
(``views/open311.py``), so that tools that speak OpenAPI — the fuzzer in
``xaso/api/tests/fuzzing.py``, client generators — can use them. Every endpoint exists
twice, ``.json`` and ``.xml``; only the JSON bodies are described field by field (the XML
carries the same fields as elements).

``document()`` returns a fresh dict each call; nothing here touches Django.
"""

from __future__ import annotations

import copy
from typing import Any

FORMATS = ("json", "xml")

_ERRORS = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["code", "description"],
        "properties": {"code": {"type": "integer"}, "description": {"type": "string"}},
    },
}
_NULLABLE_TIME = {"type": ["string", "null"]}
_SERVICE = {
    "type": "object",
    "required": ["service_code", "service_name", "metadata", "type"],
    "properties": {
        "service_code": {"type": "string"},
        "service_name": {"type": "string"},
        "description": {"type": "string"},
        "metadata": {"type": "boolean"},
        "type": {"type": "string", "enum": ["realtime", "batch", "blackbox"]},
        "keywords": {"type": "string"},
        "group": {"type": "string"},
    },
}
_REQUEST = {
    "type": "object",
    "required": ["service_request_id", "status", "requested_datetime"],
    "properties": {
        "service_request_id": {"type": "string"},
        "status": {"type": "string", "enum": ["open", "closed"]},
        "status_notes": {"type": "string"},
        "service_name": {"type": "string"},
        "service_code": {"type": "string"},
        "description": {"type": "string"},
        "agency_responsible": {"type": "string"},
        "service_notice": {"type": "string"},
        "requested_datetime": _NULLABLE_TIME,
        "updated_datetime": _NULLABLE_TIME,
        "expected_datetime": _NULLABLE_TIME,
        "address": {"type": "string"},
        "address_id": {"type": "string"},
        "zipcode": {"type": "string"},
        "lat": {"type": ["number", "null"]},
        "long": {"type": ["number", "null"]},
        "media_url": {"type": "string"},
    },
}
_CREATED = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["service_request_id", "token"],
        "properties": {
            "service_request_id": {"type": "string"},
            "token": {"type": "string"},
            "service_notice": {"type": "string"},
            "account_id": {"type": "string"},
        },
    },
}
_DISCOVERY = {
    "type": "object",
    "required": ["changeset", "endpoints"],
    "properties": {
        "changeset": {"type": "string"},
        "contact": {"type": "string"},
        "key_service": {"type": "string"},
        "endpoints": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["specification", "url", "type", "formats"],
                "properties": {
                    "specification": {"type": "string"},
                    "url": {"type": "string"},
                    "changeset": {"type": "string"},
                    "type": {"type": "string"},
                    "formats": {"type": "array", "items": {"type": "string"}},
                },
            },
        },
    },
}
_DEFINITION = {
    "type": "object",
    "required": ["service_code", "attributes"],
    "properties": {
        "service_code": {"type": "string"},
        "attributes": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["code", "datatype", "required", "order"],
                "properties": {
                    "variable": {"type": "boolean"},
                    "code": {"type": "string"},
                    "datatype": {"type": "string"},
                    "required": {"type": "boolean"},
                    "datatype_description": {"type": "string"},
                    "order": {"type": "integer"},
                    "description": {"type": "string"},
                    "values": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {"key": {"type": "string"}, "name": {"type": "string"}},
                        },
                    },
                },
            },
        },
    },
}


def _query(name: str, description: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema or {"type": "string"},
    }


_JURISDICTION = _query("jurisdiction_id", "Mã xã/phường (hoặc mã tỉnh khi đọc), ví dụ 24175.")
_W3C = {"type": "string", "format": "date-time"}
_PATH_ID = {"type": "string", "pattern": r"^[\w-]+$"}


def _body(fmt: str, schema: dict[str, Any]) -> dict[str, Any]:
    if fmt == "xml":
        return {"text/xml": {"schema": {"type": "string"}}}
    return {"application/json": {"schema": schema}}


def _responses(fmt: str, ok: dict[str, Any], *errors: int, status: str = "200") -> dict[str, Any]:
    out = {status: {"description": "Thành công", "content": _body(fmt, ok)}}
    for code in errors:
        out[str(code)] = {
            "description": "Lỗi theo định dạng GeoReport v2",
            "content": _body(fmt, _ERRORS),
        }
    return out


def _path(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": _PATH_ID}


def _post_body() -> dict[str, Any]:
    text = {"type": "string"}
    return {
        "required": True,
        "content": {
            "application/x-www-form-urlencoded": {
                "schema": {
                    "type": "object",
                    "required": ["api_key", "jurisdiction_id", "service_code"],
                    "properties": {
                        "api_key": text,
                        "jurisdiction_id": text,
                        "service_code": text,
                        "lat": {"type": "number", "minimum": -90, "maximum": 90},
                        "long": {"type": "number", "minimum": -180, "maximum": 180},
                        "address_string": text,
                        "address_id": text,
                        "email": text,
                        "device_id": text,
                        "account_id": text,
                        "first_name": text,
                        "last_name": text,
                        "phone": text,
                        "description": text,
                        "media_url": text,
                        "attribute[legal_class]": {
                            "type": "string",
                            "enum": ["regulation", "field", "complaint", "denunciation"],
                        },
                        "attribute[village]": text,
                    },
                }
            }
        },
    }


def _paths(fmt: str) -> dict[str, Any]:
    base = "/open311/v2"
    status = {"type": "string", "pattern": r"^(open|closed)(,(open|closed))?$"}
    requests_get = {
        "operationId": f"open311_requests_{fmt}",
        "summary": "Các phản ánh công khai (thông tin cá nhân đã che)",
        "parameters": [
            _JURISDICTION,
            _query("service_request_id", "Mã theo dõi, cách nhau bởi dấu phẩy."),
            _query("service_code", "Mã lĩnh vực, cách nhau bởi dấu phẩy."),
            _query("start_date", "W3C, ví dụ 2026-01-01T00:00:00Z", _W3C),
            _query("end_date", "W3C; tối đa 90 ngày sau start_date", _W3C),
            _query("status", "open, closed hoặc cả hai", status),
        ],
        "responses": _responses(fmt, {"type": "array", "items": _REQUEST}, 400, 404),
    }
    requests_post = {
        "operationId": f"open311_post_request_{fmt}",
        "summary": "Gửi một phản ánh (cần api_key)",
        "requestBody": _post_body(),
        "responses": _responses(fmt, _CREATED, 400, 403, 404, 429, status="201"),
    }
    return {
        f"{base}/discovery.{fmt}": {
            "get": {
                "operationId": f"open311_discovery_{fmt}",
                "summary": "Khám phá dịch vụ",
                "responses": _responses(fmt, _DISCOVERY),
            }
        },
        f"{base}/services.{fmt}": {
            "get": {
                "operationId": f"open311_services_{fmt}",
                "summary": "Các lĩnh vực nhận phản ánh",
                "parameters": [_JURISDICTION],
                "responses": _responses(fmt, {"type": "array", "items": _SERVICE}, 404),
            }
        },
        f"{base}/services/{{service_code}}.{fmt}": {
            "get": {
                "operationId": f"open311_service_definition_{fmt}",
                "summary": "Định nghĩa một lĩnh vực (thuộc tính)",
                "parameters": [_path("service_code"), _JURISDICTION],
                "responses": _responses(fmt, _DEFINITION, 404),
            }
        },
        f"{base}/requests.{fmt}": {"get": requests_get, "post": requests_post},
        f"{base}/requests/{{service_request_id}}.{fmt}": {
            "get": {
                "operationId": f"open311_request_{fmt}",
                "summary": "Một phản ánh công khai",
                "parameters": [_path("service_request_id")],
                "responses": _responses(fmt, {"type": "array", "items": _REQUEST}, 404),
            }
        },
        f"{base}/tokens/{{token}}.{fmt}": {
            "get": {
                "operationId": f"open311_token_{fmt}",
                "summary": "Mã theo dõi ứng với một token",
                "parameters": [_path("token")],
                "responses": _responses(fmt, _CREATED, 404),
            }
        },
    }


def document() -> dict[str, Any]:
    paths: dict[str, Any] = {}
    for fmt in FORMATS:
        paths.update(_paths(fmt))
    return copy.deepcopy(
        {
            "openapi": "3.1.0",
            "info": {
                "title": "xaso Open311 GeoReport v2",
                "version": "2",
                "description": "Phản ánh của người dân theo chuẩn GeoReport v2 "
                "(http://wiki.open311.org/GeoReport_v2); jurisdiction_id là mã xã.",
            },
            "servers": [{"url": "/"}],
            "paths": paths,
        }
    )
