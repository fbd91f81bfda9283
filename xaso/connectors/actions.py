"""Every state change of the connectors app: sources and their push tokens, record
imports (file, push, demo), tally rebuilds, the trust store and signature checks.

An import is all or nothing: every row is parsed and checked, all problems are reported
by row and field in Vietnamese, and only a batch without problems is written — in one
transaction, together with the tallies of the units it touched and its log row. A
failed batch is logged too (in its own transaction, after the rollback), with its
errors, so every attempt is in the log.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from xaso.accounts.models import User
from xaso.assessments.models import Evidence
from xaso.connectors import queries, signatures, store
from xaso.connectors.models import (
    BatchState,
    Dossier,
    ImportBatch,
    Kind,
    SignatureCheck,
    Source,
    TrustRoot,
    Verdict,
)
from xaso.connectors.readers import NOT_AN_OBJECT, Rows
from xaso.connectors.schema import (
    CODE,
    DOSSIER_SID,
    SID,
    UNIT,
    FieldError,
    HeaderError,
    Parsed,
    RowParser,
    UnitResolver,
    aware,
    column_index,
    parse_datetime,
)
from xaso.core.audit import record_audit
from xaso.units.models import Generation, Level, Unit

Actor = User | None
Progress = Callable[[int, int], None]

CHUNK = 20_000
BULK = 50_000
MAX_ERRORS_KEPT = 1_000
TOKEN_PREFIX = "xsrc_"


class ConnectorError(ValueError):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _label(actor: Actor) -> str:
    return actor.get_username() if actor is not None else "system"


def _check_admin(actor: Actor, province_id: int) -> None:
    """``None`` is the system (the CLI run by the operator, the demo, a verified push)."""
    if actor is not None and not queries.may_administer(actor, province_id):
        raise PermissionDenied("Chỉ quản trị cấp tỉnh được quản lý nguồn dữ liệu của tỉnh.")


# --- sources -------------------------------------------------------------------------------


def _new_token() -> tuple[str, str, str]:
    raw = TOKEN_PREFIX + secrets.token_urlsafe(30)
    return raw, raw[:12], queries.hash_token(raw)


@transaction.atomic
def do_create_source(
    *, province: Unit, code: str, name: str, with_token: bool = True, actor: Actor
) -> tuple[Source, str]:
    """A new source; its push token is returned once and only its hash kept."""
    if province.level != Level.PROVINCE or province.generation != Generation.CURRENT:
        raise ConnectorError("Nguồn dữ liệu thuộc một tỉnh hiện nay.")
    _check_admin(actor, province.pk)
    clean = code.strip().lower()
    if not clean or not all(ch.isalnum() or ch in "-_" for ch in clean) or len(clean) > 60:
        raise ConnectorError("Mã nguồn chỉ gồm chữ thường không dấu, số, “-” và “_”.")
    if Source.objects.filter(province=province, code=clean).exists():
        raise ConnectorError(f"Tỉnh đã có nguồn dữ liệu mã “{clean}”.")
    raw, prefix, hashed = _new_token() if with_token else ("", "", "")
    source = Source.objects.create(
        province=province, code=clean, name=name.strip()[:200] or clean, token_prefix=prefix,
        token_hash=hashed, created_by=actor,
    )  # fmt: skip
    record_audit(actor=actor, action="connectors.create_source", target=source,
                 changes={"code": clean, "token": bool(raw)}, province_id=province.pk)  # fmt: skip
    return source, raw


@transaction.atomic
def do_rotate_source_token(*, source: Source, actor: Actor) -> str:
    """A new push token; the old one stops working at once."""
    _check_admin(actor, source.province_id)
    raw, prefix, hashed = _new_token()
    Source.objects.filter(pk=source.pk).update(token_prefix=prefix, token_hash=hashed)
    record_audit(actor=actor, action="connectors.rotate_token", target=source,
                 province_id=source.province_id)  # fmt: skip
    return raw


@transaction.atomic
def do_set_source_active(*, source: Source, active: bool, actor: Actor) -> Source:
    _check_admin(actor, source.province_id)
    if source.active != active:
        Source.objects.filter(pk=source.pk).update(active=active)
        record_audit(actor=actor, action="connectors.set_source_active", target=source,
                     changes={"active": [source.active, active]},
                     province_id=source.province_id)  # fmt: skip
        source.active = active
    return source


def source_for_import(*, province: Unit, code: str, actor: Actor) -> Source:
    """The province's source with this code, created (without a push token) if new."""
    found = Source.objects.filter(province=province, code=code.strip().lower()).first()
    if found is not None:
        return found
    return do_create_source(province=province, code=code, name=code, with_token=False,
                            actor=actor)[0]  # fmt: skip


# --- imports -------------------------------------------------------------------------------


@dataclass
class ImportReport:
    batch: ImportBatch
    errors: list[dict[str, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.batch.state == BatchState.DONE


class _Failed(Exception):
    pass


@dataclass
class _Run:
    errors: list[dict[str, str]] = field(default_factory=list)
    error_count: int = 0
    rows: int = 0
    written: store.Written = field(default_factory=store.Written)
    prefix: str = "dòng"

    def label(self, row: int | str) -> str:
        return f"{self.prefix} {row}" if isinstance(row, int) else row

    def error(self, row: int | str, name: str, message: str) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_ERRORS_KEPT:
            self.errors.append({"row": self.label(row), "field": name, "message": message})


def _extracted(value: str | dt.datetime | None, fallback: dt.datetime, run: _Run) -> dt.datetime:
    if value is None or value == "":
        return fallback
    try:
        return aware(parse_datetime(value))
    except FieldError as exc:
        run.error("lô dữ liệu", "extracted_at", exc.message)
        return fallback


def _attach_payments(
    source: Source, chunk: list[tuple[int, Parsed]], run: _Run
) -> list[tuple[int, Parsed]]:
    """A payment belongs to its dossier's unit: looks the chunk's dossiers up among the
    province's sources."""
    wanted = sorted({p[DOSSIER_SID] for _, p in chunk})
    sources = list(
        Source.objects.filter(province_id=source.province_id).values_list("pk", flat=True)
    )
    found: dict[str, list[tuple[int, int, str]]] = {}
    for start in range(0, len(wanted), store.LOOKUP_CHUNK):
        part = wanted[start : start + store.LOOKUP_CHUNK]
        for sid, unit_id, province_id, code in Dossier.objects.filter(
            source_id__in=sources, source_sid__in=part
        ).values_list("source_sid", "unit_id", "province_id", "unit_code"):
            found.setdefault(sid, []).append((unit_id, province_id, code))
    kept = []
    for label, p in chunk:
        matches = found.get(p[DOSSIER_SID], [])
        if not matches:
            message = f"chưa có hồ sơ “{p[DOSSIER_SID]}” (nhập hồ sơ trước khi nhập thanh toán)"
            run.error(label, "dossier_id", message)
            continue
        if len({m[0] for m in matches}) > 1:
            message = f"mã hồ sơ “{p[DOSSIER_SID]}” có ở nhiều nguồn dữ liệu khác nhau"
            run.error(label, "dossier_id", message)
            continue
        kept.append((label, (*p[:UNIT], *matches[0], *p[CODE + 1 :])))
    return kept


def _flush(
    kind: Kind, source: Source, chunk: list[tuple[int, Parsed]], run: _Run, *, lookup: bool,
    writer: store.BackgroundWriter | None, known: dict[str, tuple[int, int]] | None = None,
) -> None:  # fmt: skip
    if kind is Kind.PAYMENT and chunk:
        chunk = _attach_payments(source, chunk, run)
    if run.error_count or not chunk:
        # The batch will be rolled back: keep parsing to report every problem, write nothing.
        return
    rows = [p for _, p in chunk]
    if writer is not None and not lookup:
        # A first load: every row is new, nothing to compare; write while parsing on.
        writer.submit(rows)
        run.written.created += len(rows)
        run.written.units |= {row[UNIT] for row in rows}
        return
    if writer is not None:
        writer.wait()
    done = store.write(kind, source.pk, rows, lookup=lookup, known=known)
    run.written.created += done.created
    run.written.updated += done.updated
    run.written.unchanged += done.unchanged
    run.written.units |= done.units


def do_import_records(
    *,
    source: Source,
    kind: str,
    rows: Rows,
    sha256: str,
    filename: str = "",
    origin: str = "file",
    extracted_at: str | dt.datetime | None = None,
    actor: Actor,
    progress: Progress | None = None,
    now: dt.datetime | None = None,
) -> ImportReport:
    """Validates and upserts one batch of records of ``kind`` from ``source`` on
    (source, source id); rebuilds the tallies of the units touched. All or nothing."""
    _check_admin(actor, source.province_id)
    if not source.active:
        raise ConnectorError(f"Nguồn dữ liệu “{source.name}” đã ngừng sử dụng.")
    record_kind = Kind(kind)
    started = now or timezone.now()
    run = _Run(prefix=rows.prefix)
    extracted = _extracted(extracted_at or rows.extracted_at, started, run)
    base = {
        "source": source, "province_id": source.province_id, "kind": record_kind,
        "origin": origin, "filename": filename[:250], "sha256": sha256, "extracted_at": extracted,
        "started_at": started, "actor": actor, "actor_label": _label(actor),
    }  # fmt: skip
    adapt_dt, adapt_date, adapt_bool = store.adapters()
    try:
        column_index(record_kind, rows.header)
    except HeaderError as exc:
        for message in exc.messages:
            run.error("dòng tiêu đề", "", message)
        return _log_failure(base, run, started)
    try:
        with transaction.atomic():
            batch = ImportBatch.objects.create(**base, state=BatchState.DONE, finished_at=started)
            parser = RowParser(
                record_kind, rows.header,
                UnitResolver(queries.unit_map(), source.province_id, source.province.name),
                adapt_dt=adapt_dt, adapt_date=adapt_date, source_id=source.pk, batch_id=batch.pk,
                adapt_bool=adapt_bool,
            )  # fmt: skip
            lookup = store.has_records(record_kind, source.pk)
            # A large reload reads the source's digests in one pass, not a query per chunk.
            known = (
                store.all_digests(record_kind, source.pk) if lookup and rows.total > BULK else None
            )
            # Payments look dossiers up per chunk: they stay on this thread.
            threaded = store.BackgroundWriter.available() and record_kind is not Kind.PAYMENT
            writer = store.BackgroundWriter(record_kind) if threaded else None
            seen: dict[str, int] = {}
            chunk: list[tuple[int, Parsed]] = []
            parse = parser.parse
            try:
                for label, cells in rows.rows:
                    run.rows += 1
                    if cells is NOT_AN_OBJECT:
                        run.error(label, "", "bản ghi phải là một đối tượng JSON {…}")
                        continue
                    result = parse(cells)
                    if isinstance(result, list):
                        for name, message in result:
                            run.error(label, name, message)
                        continue
                    sid = result[SID]
                    first = seen.get(sid)
                    if first is not None:
                        message = f"mã “{sid}” trùng với {run.label(first)}"
                        run.error(label, "source_id", message)
                        continue
                    seen[sid] = label
                    chunk.append((label, result))
                    if len(chunk) >= CHUNK:
                        _flush(
                            record_kind,
                            source,
                            chunk,
                            run,
                            lookup=lookup,
                            writer=writer,
                            known=known,
                        )
                        chunk = []
                        if progress is not None:
                            progress(run.rows, rows.total)
                _flush(record_kind, source, chunk, run, lookup=lookup, writer=writer, known=known)
            finally:
                if writer is not None:
                    writer.close()  # never leave a write running into a rollback
            if progress is not None:
                progress(run.rows, rows.total)
            if run.error_count:
                raise _Failed
            if run.rows == 0:
                run.error("tệp", "", "tệp không có bản ghi nào")
                raise _Failed
            written = run.written
            recomputed = store.retally(record_kind, written.units, started) if written.units else 0
            ImportBatch.objects.filter(pk=batch.pk).update(
                rows=run.rows, created=written.created, updated=written.updated,
                unchanged=written.unchanged, units_recomputed=recomputed,
                finished_at=timezone.now(),
            )  # fmt: skip
            batch.refresh_from_db()
            record_audit(
                actor=actor, action="connectors.import_records", target=batch,
                changes={"kind": record_kind.value, "sha256": sha256, "rows": run.rows,
                         "created": written.created, "updated": written.updated,
                         "unchanged": written.unchanged},
                province_id=source.province_id,
            )  # fmt: skip
    except _Failed:
        return _log_failure(base, run, started)
    return ImportReport(batch, [])


def _log_failure(base: dict[str, Any], run: _Run, started: dt.datetime) -> ImportReport:
    with transaction.atomic():
        batch = ImportBatch.objects.create(
            **base, state=BatchState.FAILED, rows=run.rows, error_count=run.error_count,
            errors=run.errors, finished_at=timezone.now(),
        )  # fmt: skip
        record_audit(actor=base["actor"], action="connectors.import_failed", target=batch,
                     changes={"kind": str(base["kind"]), "errors": run.error_count},
                     province_id=base["province_id"])  # fmt: skip
    return ImportReport(batch, run.errors)


def file_sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@transaction.atomic
def do_rebuild_tallies(*, province: Unit, actor: Actor) -> int:
    """Rebuilds every tally of a province's units from their records (after a repair)."""
    _check_admin(actor, province.pk)
    units = set(Unit.objects.filter(province=province).values_list("pk", flat=True))
    units |= set(
        Unit.objects.filter(
            generation=Generation.LEGACY, successor_links__successor__province=province
        ).values_list("pk", flat=True)
    )
    now = timezone.now()
    total = sum(store.retally(kind, units, now) for kind in Kind)
    record_audit(actor=actor, action="connectors.rebuild_tallies", target=province,
                 province_id=province.pk)  # fmt: skip
    return total


# --- trust store -----------------------------------------------------------------------------


@transaction.atomic
def do_add_trust_root(*, province: Unit, name: str, data: bytes, actor: Actor) -> list[TrustRoot]:
    """Adds the certificates of a PEM or DER file to the province's trust store."""
    _check_admin(actor, province.pk)
    try:
        ders = signatures.certificates_from_bytes(data)
    except ValueError as exc:
        raise ConnectorError(str(exc)) from None
    added = []
    for der in ders:
        fingerprint = hashlib.sha256(der).hexdigest()
        subject, not_after = signatures.describe(der)
        root, created = TrustRoot.objects.get_or_create(
            province=province, fingerprint=fingerprint,
            defaults={"name": (name.strip() or subject)[:200], "der": der,
                      "subject": subject[:400], "not_after": not_after, "added_by": actor},
        )  # fmt: skip
        if not created and not root.active:
            root.active = True
            root.save(update_fields=["active"])
        record_audit(actor=actor, action="connectors.add_trust_root", target=root,
                     changes={"fingerprint": fingerprint, "subject": subject},
                     province_id=province.pk)  # fmt: skip
        added.append(root)
    return added


@transaction.atomic
def do_set_trust_root_active(*, root: TrustRoot, active: bool, actor: Actor) -> TrustRoot:
    _check_admin(actor, root.province_id)
    if root.active != active:
        TrustRoot.objects.filter(pk=root.pk).update(active=active)
        record_audit(actor=actor, action="connectors.set_trust_root_active", target=root,
                     changes={"active": [root.active, active]},
                     province_id=root.province_id)  # fmt: skip
        root.active = active
    return root


# --- signature checks --------------------------------------------------------------------------


def _read(evidence: Evidence) -> bytes:
    with evidence.file.open("rb") as fh:
        data: bytes = fh.read()
    return data


def do_check_signature(
    *, evidence: Evidence, actor: Actor, force: bool = False, now: dt.datetime | None = None
) -> SignatureCheck:
    """Checks one PDF evidence file's signatures; a check already made on the same bytes
    with the same trust store is kept unless ``force``."""
    if actor is not None and not queries.may_check_signatures(actor, evidence.unit_id):
        raise PermissionDenied("Bạn không kiểm tra được minh chứng của đơn vị này.")
    if evidence.content_type != "application/pdf":
        raise ConnectorError("Chỉ kiểm tra chữ ký số của tệp PDF.")
    ders = queries.trust_store(evidence.province_id)
    fingerprint = queries.store_fingerprint(ders)
    existing = SignatureCheck.objects.filter(evidence=evidence).first()
    if (
        existing is not None
        and not force
        and existing.sha256 == evidence.sha256
        and existing.trust_fingerprint == fingerprint
    ):
        return existing
    data = _read(evidence)
    if hashlib.sha256(data).hexdigest() != evidence.sha256:
        result = signatures.Result(
            Verdict.TAMPERED, "Tệp trong kho lưu trữ khác với tệp đã tải lên (mã băm không khớp)."
        )
    else:
        result = signatures.check_pdf(data, ders)
    first = result.first
    values = {
        "unit_id": evidence.unit_id, "province_id": evidence.province_id,
        "sha256": evidence.sha256, "verdict": result.verdict, "message": result.message,
        "signatures": len(result.findings), "signer": first.signer if first else "",
        "issuer": first.issuer if first else "", "signed_at": first.signed_at if first else None,
        "modified_after": result.modified_after,
        "details": [f.as_dict() for f in result.findings], "trust_fingerprint": fingerprint,
        "checked_at": now or timezone.now(),
    }  # fmt: skip
    with transaction.atomic():
        check, _ = SignatureCheck.objects.update_or_create(evidence=evidence, defaults=values)
        record_audit(actor=actor, action="connectors.check_signature", target=check,
                     changes={"verdict": result.verdict.value, "evidence": evidence.pk},
                     province_id=evidence.province_id)  # fmt: skip
    return check


def do_check_signatures(
    *, evidence: Sequence[Evidence], actor: Actor, force: bool = False
) -> list[SignatureCheck]:
    return [
        do_check_signature(evidence=e, actor=actor, force=force)
        for e in evidence
        if e.content_type == "application/pdf"
    ]
