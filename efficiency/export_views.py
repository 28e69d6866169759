"""A large export's pages (efficiency.exports): its progress, polled by htmx, and the download —
the requester's only; anyone else gets 404."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from . import exports, uploads
from .audit import audit_record
from .listing import XLSX


@login_required
def export_job(request, pk):
    return render(request, "efficiency/export_job.html", {"job": exports.export_for_user(request.user, pk)})


@login_required
def export_job_progress(request, pk):
    return render(request, "efficiency/_export_progress.html", {"job": exports.export_for_user(request.user, pk)})


@login_required
def export_job_download(request, pk):
    job = exports.export_for_user(request.user, pk)
    if job.state != job.State.DONE or not job.file:
        return render(request, "efficiency/export_job.html", {"job": job}, status=409)
    audit_record("export.download", actor=request.user, obj=job, request=request,
                 summary=f"下载导出文件 {job.title}（{job.done} 行）"[:255])
    return uploads.upload_response(job.file, filename=job.filename, content_type=XLSX)
