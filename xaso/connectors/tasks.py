"""Background tasks of connectors: thin wrappers that load by id and call one action."""

from __future__ import annotations

from django.tasks import task

from xaso.assessments.models import Evidence
from xaso.connectors import actions, queries


@task
def check_evidence_signature(evidence_id: int) -> str:
    """Checks a PDF just uploaded as evidence (queued by the upload itself)."""
    evidence = Evidence.objects.filter(pk=evidence_id, content_type="application/pdf").first()
    if evidence is None:  # removed since, or not a PDF
        return "skipped"
    return str(actions.do_check_signature(evidence=evidence, actor=None).verdict)


@task
def check_unchecked_signatures() -> int:
    """Hourly safety net: PDFs whose check never ran (worker down at upload time)."""
    evidence = list(queries.unchecked_pdf_evidence()[:500])
    return len(actions.do_check_signatures(evidence=evidence, actor=None))
