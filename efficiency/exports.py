"""Ledger exports (台账导出), small and large alike, through one call: `ledger_export(request, name)`.

Each app registers its ledgers in `AppConfig.ready` (`register_ledger(name, build)`): `build`
takes what a list page has — the person (`.user`) and the filters (`.GET`) — and returns the
`Ledger` (the scoped, filtered rows, the columns, the file name and title). Up to
`settings.EXPORT_ASYNC_ROWS` rows (本地默认, 20,000) the workbook is streamed at once
(`listing.xlsx_response`). Above it the export is an `ExportJob`: the Celery task
`efficiency.export_build` rebuilds the same ledger for the same person and filters (so the scope
is the requester's, checked again in the worker), writes it row by row recording its progress,
and keeps the file under the private upload folder (`MEDIA_ROOT/exports/`, a random name, which
no address serves). The page polls the progress (htmx) and then downloads the file through
`uploads.upload_response`, as any upload: only the requester sees the job or its file; anyone
else gets 404. Requests and downloads are audited.
"""

from __future__ import annotations

import logging
import secrets
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.http import Http404, QueryDict
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _

from . import listing, rls
from .audit import audit_record
from .jobs import job_enqueue
from .models import ExportJob, User

log = logging.getLogger(__name__)


@dataclass
class Ledger:
    rows: Iterable  # a queryset already scoped to the person and filtered
    columns: Sequence[listing.Column]
    filename: str
    title: str


_ledgers: dict[str, Callable[[object], Ledger]] = {}


def register_ledger(name: str, build: Callable[[object], Ledger]) -> None:
    _ledgers[name] = build


class Asker:
    """What a ledger's `build` reads of a request, rebuilt in the worker: the person and the
    filters they asked with."""

    def __init__(self, user, params: str):
        self.user = user
        self.GET = QueryDict(params)


def _count(rows) -> int | None:
    try:
        return rows.count()
    except (AttributeError, TypeError):
        return None


def ledger_export(request, name: str):
    """The ledger as a workbook now, or — above the threshold — a background job and a redirect
    to its progress page."""
    ledger = _ledgers[name](request)
    total = _count(ledger.rows)
    if total is None or total <= settings.EXPORT_ASYNC_ROWS:
        return listing.xlsx_response(ledger.rows, ledger.columns, ledger.filename, title=ledger.title)
    job = export_request(actor=request.user, ledger=name, params=request.GET.urlencode(), total=total,
                         title=str(ledger.title), filename=str(ledger.filename), request=request)
    return redirect("export_job", job.pk)


def export_request(*, actor: User, ledger: str, params: str, total: int, title: str, filename: str,
                   request=None) -> ExportJob:
    """Ask for a large export: the job, audited, and its task queued once the job is committed."""
    if ledger not in _ledgers:
        raise Http404
    with transaction.atomic():
        job = ExportJob.objects.create(requested_by=actor, requested_at=timezone.now(), ledger=ledger, params=params,
                                       total=total, title=title[:100], filename=filename[:200],
                                       message=_("等待后台任务开始……"))
        audit_record("action", actor=actor, obj=job, request=request,
                     summary=f"申请导出 {title}（{total} 行）"[:255], after={"ledger": ledger, "params": params})
        transaction.on_commit(lambda: _enqueue(job.pk))
    return job


def _enqueue(job_id: int) -> None:
    # Named, not imported: `efficiency.tasks` wraps this module.
    job_enqueue(ExportJob, job_id, "efficiency.export_build")


def _fail(job_id: int, message: str) -> None:
    ExportJob.objects.filter(pk=job_id).update(state=ExportJob.State.FAILED, finished_at=timezone.now(),
                                               message=message)


def export_run(job_id: int) -> ExportJob | None:
    """The worker's side: claim the queued job (a task delivered twice runs once), rebuild the
    ledger as its requester asked it, write it recording the rows written, keep the file."""
    claimed = ExportJob.objects.filter(pk=job_id, state=ExportJob.State.QUEUED).update(
        state=ExportJob.State.RUNNING, message=_("正在生成……"))
    if not claimed:
        return ExportJob.objects.filter(pk=job_id).first()
    job = ExportJob.objects.select_related("requested_by").get(pk=job_id)
    build = _ledgers.get(job.ledger)
    if build is None or not job.requested_by.is_active:
        _fail(job_id, _("无法生成：台账不存在或申请人账号已停用。"))
        return ExportJob.objects.get(pk=job_id)
    try:
        # Row-level security as the requester (docs/rls.md): the worker's system role bypasses it.
        with rls.acting_for(job.requested_by), tempfile.TemporaryFile() as out:
            ledger = build(Asker(job.requested_by, job.params))
            written = listing.xlsx_write(
                out, ledger.rows, ledger.columns, title=ledger.title,
                progress=lambda n: ExportJob.objects.filter(pk=job_id).update(done=n))
            out.seek(0)
            name = default_storage.save(f"exports/{secrets.token_hex(16)}.xlsx", File(out))
    except Http404:  # the requester no longer sees this ledger (role changed)
        _fail(job_id, _("无法生成：您已无权查看该台账。"))
    except Exception:  # noqa: BLE001 - recorded on the job for the page; the worker goes on
        log.exception("export job %s failed", job_id)
        _fail(job_id, _("生成失败，请稍后重试或缩小筛选范围。"))
    else:
        ExportJob.objects.filter(pk=job_id).update(
            state=ExportJob.State.DONE, file=name, done=written, total=max(job.total, written),
            finished_at=timezone.now(), message=_("已生成，共 %(n)s 行。") % {"n": written})
    return ExportJob.objects.get(pk=job_id)


def export_for_user(user, pk) -> ExportJob:
    """The job if `user` asked for it; anyone else's, or none, is a 404."""
    job = ExportJob.objects.filter(pk=pk, requested_by=user).first() if str(pk).isdigit() else None
    if job is None or not getattr(user, "is_authenticated", False):
        raise Http404
    return job
