"""Webhooks of the SMS gateway and of Zalo OA. A call with a bad or missing signature is
refused (401) and logged; a retried delivery of the same message id creates nothing new.
Wire formats: docs/citizens.md."""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from xaso.citizens import actions, queries
from xaso.citizens.intake import (
    ZALO_MESSAGE_EVENTS,
    IntakeError,
    command_in,
    from_sms,
    from_zalo,
    parse_json,
    verify_sms,
    verify_zalo,
    zalo_text,
)
from xaso.citizens.models import Gateway, InboundStatus


def _headers(request: HttpRequest) -> dict[str, str]:
    return {k: str(v) for k, v in request.headers.items()}


def _refuse(
    channel: str,
    gateway: Gateway | None,
    raw: bytes,
    reason: str,
    status: int = 401,
    provider_id: str = "",
) -> JsonResponse:
    actions.do_log_inbound(
        channel=channel,
        unit=gateway.unit if gateway else None,
        provider_id=provider_id,
        status=InboundStatus.REJECTED,
        reason=reason,
        raw=raw,
    )
    return JsonResponse({"error": reason}, status=status)


def _gateway(name: str, kind: str) -> Gateway | None:
    gateway = queries.gateway_named(name)
    return gateway if gateway is not None and gateway.kind == kind else None


@csrf_exempt
@require_POST
def sms_inbound(request: HttpRequest, name: str) -> HttpResponse:
    raw = request.body
    gateway = _gateway(name, "sms")
    if gateway is None:
        return _refuse("sms", None, raw, "Không có cổng SMS này.", status=404)
    try:
        verify_sms(gateway.webhook_secret, _headers(request), raw, timezone.now())
        payload = parse_json(raw)
    except IntakeError as exc:
        return _refuse("sms", gateway, raw, exc.message)
    provider_id = str(payload.get("message_id") or "")
    command = command_in(str(payload.get("text") or ""))
    try:
        if command is not None:
            actions.do_apply_command(
                unit=gateway.unit,
                channel="sms",
                address=str(payload.get("from") or ""),
                command=command,
            )
            actions.do_log_inbound(
                channel="sms",
                unit=gateway.unit,
                provider_id=provider_id,
                status=InboundStatus.COMMAND,
                reason=command.verb,
                raw=raw,
            )
            return JsonResponse({"status": "ok", "command": command.verb})
        receipt = actions.do_receive_case(from_sms(payload, gateway.unit_id), actor=None)
    except IntakeError as exc:
        return _refuse("sms", gateway, raw, exc.message, status=422, provider_id=provider_id)
    except ValueError as exc:
        return _refuse("sms", gateway, raw, str(exc), status=422, provider_id=provider_id)
    status = InboundStatus.ACCEPTED if receipt.created else InboundStatus.REPEATED
    actions.do_log_inbound(
        channel="sms",
        unit=gateway.unit,
        provider_id=provider_id,
        status=status,
        reason="",
        raw=raw,
        case=receipt.case,
    )
    return JsonResponse({"status": "ok", "code": receipt.case.code, "created": receipt.created})


@csrf_exempt
@require_POST
def sms_report(request: HttpRequest, name: str) -> HttpResponse:
    """Delivery reports: ``{"message_id", "client_ref", "status", "error"?, "at"}``."""
    raw = request.body
    gateway = _gateway(name, "sms")
    if gateway is None:
        return _refuse("sms", None, raw, "Không có cổng SMS này.", status=404)
    try:
        verify_sms(gateway.webhook_secret, _headers(request), raw, timezone.now())
        data = parse_json(raw)
        outcome = actions.do_record_delivery(gateway=gateway, data=data)
    except IntakeError as exc:
        return _refuse("sms", gateway, raw, exc.message)
    except ValidationError as exc:
        return JsonResponse({"error": " ".join(exc.messages)}, status=422)
    return JsonResponse({"status": outcome})


@csrf_exempt
@require_POST
def zalo_webhook(request: HttpRequest, name: str) -> HttpResponse:
    """Zalo OA events: user_send_* become cases (or subscription commands), follow and
    unfollow record consent, user_received_message is a delivery report."""
    raw = request.body
    gateway = _gateway(name, "zalo")
    if gateway is None:
        return _refuse("zalo", None, raw, "Không có Zalo OA này.", status=404)
    try:
        event: dict[str, Any] = parse_json(raw)
        verify_zalo(gateway.app_id, gateway.webhook_secret, _headers(request), raw, event)
    except IntakeError as exc:
        return _refuse("zalo", gateway, raw, exc.message)
    name_of_event = str(event.get("event_name") or "")
    sender = event.get("sender") or event.get("follower") or {}
    user_id = str(sender.get("id") or "") if isinstance(sender, dict) else ""
    try:
        if name_of_event in ZALO_MESSAGE_EVENTS:
            msg_id, text, *_ = zalo_text(event)
            command = command_in(text)
            if command is not None:
                actions.do_apply_command(
                    unit=gateway.unit, channel="zalo", address=user_id, command=command
                )
                actions.do_log_inbound(
                    channel="zalo",
                    unit=gateway.unit,
                    provider_id=msg_id,
                    status=InboundStatus.COMMAND,
                    reason=command.verb,
                    raw=raw,
                )
                return JsonResponse({"status": "ok"})
            receipt = actions.do_receive_case(from_zalo(event, gateway.unit_id), actor=None)
            status = InboundStatus.ACCEPTED if receipt.created else InboundStatus.REPEATED
            actions.do_log_inbound(
                channel="zalo",
                unit=gateway.unit,
                provider_id=msg_id,
                status=status,
                reason="",
                raw=raw,
                case=receipt.case,
            )
            return JsonResponse({"status": "ok", "code": receipt.case.code})
        if name_of_event in {"follow", "unfollow"} and user_id:
            command = command_in("DK" if name_of_event == "follow" else "TU CHOI")
            assert command is not None
            actions.do_apply_command(
                unit=gateway.unit, channel="zalo", address=user_id, command=command
            )
            return JsonResponse({"status": "ok"})
        if name_of_event == "user_received_message":
            message = event.get("message") or {}
            msg_id = str(message.get("msg_id") or "") if isinstance(message, dict) else ""
            outcome = actions.do_record_delivery(
                gateway=gateway, data={"message_id": msg_id, "status": "delivered"}
            )
            return JsonResponse({"status": outcome})
    except IntakeError as exc:
        return _refuse("zalo", gateway, raw, exc.message, status=422)
    except (ValidationError, ValueError) as exc:
        return _refuse("zalo", gateway, raw, str(exc)[:300], status=422)
    return JsonResponse({"status": "ignored", "event": json.dumps(name_of_event)})
