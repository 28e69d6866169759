"""Checking uploaded files by their content (never their name) and size."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

IMAGES = {"image/jpeg": "JPG", "image/png": "PNG", "image/gif": "GIF", "image/webp": "WEBP"}
PDF = {"application/pdf": "PDF"}
OFFICE = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "DOCX",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "XLSX",
    "application/msword": "DOC",
    "application/vnd.ms-excel": "XLS",
}
EVIDENCE = {**IMAGES, **PDF, **OFFICE}  # what an office attaches as 佐证材料


def upload_check(f, *, allowed: dict[str, str] = EVIDENCE, what: str | None = None) -> str:
    """The file's real MIME type; a ValidationError with a clear message if it is too large or
    its content is not one of `allowed` (a .exe renamed .jpg is refused)."""
    import filetype

    name = getattr(f, "name", "") or (what or _("附件"))
    limit = settings.UPLOAD_MAX_BYTES
    if f.size > limit:
        raise ValidationError(_("附件“%(name)s”有 %(size).1f MB，超过 %(limit)d MB 的上限，请压缩后再上传。")
                              % {"name": name, "size": f.size / 1048576, "limit": limit // 1048576})
    f.seek(0)
    kind = filetype.guess(f.read(8192))
    f.seek(0)
    if kind is None or kind.mime not in allowed:
        kinds = "、".join(dict.fromkeys(allowed.values()))
        raise ValidationError(_("附件“%(name)s”的内容不是允许的文件类型（按文件内容识别），只能上传 %(kinds)s。")
                              % {"name": name, "kinds": kinds})
    return kind.mime
