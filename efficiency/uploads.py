"""Uploaded files (docs/deploy.md "Uploads"): parsed in full, never judged by their name or first
bytes. An image is decoded under a pixel cap and re-encoded by Pillow (so nothing but pixels is
kept: no appended HTML, no metadata, no GPS position); a PDF is parsed by pypdf. What is kept is
stored under a random name; the uploaded name is only a display string in the database. Files are
served only through views that check the requester's scope, by `upload_response`."""

from __future__ import annotations

import io
import uuid
import warnings
from dataclasses import dataclass
from pathlib import PurePosixPath
from urllib.parse import quote

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.http import FileResponse, HttpResponse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

# The allow-list: three image formats (re-encoded in their own format) and PDF. Anything else,
# Office files and GIF included, is refused: a Word or Excel file can be printed to PDF.
IMAGES = {"image/jpeg": "JPG", "image/png": "PNG", "image/webp": "WEBP"}
PDF = {"application/pdf": "PDF"}
EVIDENCE = {**IMAGES, **PDF}  # what an office or a citizen attaches as 佐证材料
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp", "application/pdf": "pdf"}
# What a download may be sent as: the uploads' types, and the workbooks the platform makes (large exports).
SERVED = {**EXTENSIONS, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx"}
_PILLOW = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
# Served by the browser itself; anything else is a download.
_SHOWN_INLINE = set(IMAGES)
# No script, no plugin, no form, no navigation, even if a browser ignored the content type.
_FILE_CSP = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"


@dataclass(frozen=True)
class Cleaned:
    """What is stored: the re-encoded or checked bytes under a random name, and what to show."""

    file: ContentFile
    content_type: str
    original_name: str

    @property
    def size(self) -> int:
        return self.file.size


def upload_clean(f, *, allowed: dict[str, str] = EVIDENCE, what: str | None = None) -> Cleaned:
    """The file as it will be stored, or a ValidationError with a message the uploader can act on:
    too large, not one of `allowed` (by content), a damaged or encrypted file, too many pixels."""
    name = PurePosixPath(str(getattr(f, "name", "") or "")).name or (what or _("附件"))
    limit = settings.UPLOAD_MAX_BYTES
    if f.size > limit:
        raise ValidationError(_("附件“%(name)s”有 %(size).1f MB，超过 %(limit)d MB 的上限，请压缩后再上传。")
                              % {"name": name, "size": f.size / 1048576, "limit": limit // 1048576})
    f.seek(0)
    data = f.read()
    f.seek(0)
    formats = [fmt for fmt, mime in _PILLOW.items() if mime in allowed]
    if "application/pdf" in allowed and b"%PDF-" in data[:1024]:  # where readers look for the header
        mime = "application/pdf"
        _pdf_check(data, name=name)
    elif formats:
        mime, data = _image(data, name=name, formats=formats)
    else:
        mime = None
    if mime is None or mime not in allowed:
        raise _not_allowed(name, allowed)
    stored = ContentFile(data, name=f"{uuid.uuid4().hex}.{EXTENSIONS[mime]}")
    return Cleaned(file=stored, content_type=mime, original_name=name[:200])


def _not_allowed(name: str, allowed: dict[str, str]) -> ValidationError:
    images = "、".join(label for mime, label in allowed.items() if mime in IMAGES)
    if images and "application/pdf" in allowed:
        msg = _("附件“%(name)s”不是图片或 PDF 文件（按文件内容识别），只能上传 %(images)s 图片或 PDF。")
    elif images:
        msg = _("附件“%(name)s”不是图片（按文件内容识别），只能上传 %(images)s 格式的图片。")
    else:
        msg = _("附件“%(name)s”不是 PDF 文件（按文件内容识别），只能上传 PDF。")
    return ValidationError(msg % {"name": name, "images": images})


def _image(data: bytes, *, name: str, formats: list[str]) -> tuple[str | None, bytes]:
    """Decode under the pixel cap and re-encode; (None, data) when it is not one of `formats`."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    cap = settings.UPLOAD_MAX_PIXELS
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=formats) as img:
                width, height = img.size
                if width * height > cap:  # checked from the header, before a pixel is decoded
                    raise Image.DecompressionBombError
                fmt = img.format
                img.load()
                out = _reencode(ImageOps.exif_transpose(img), fmt)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationError(_("图片“%(name)s”的像素过多（超过 %(mp)d 百万像素），请缩小后再上传。")
                              % {"name": name, "mp": cap // 1_000_000}) from None
    except UnidentifiedImageError:
        return None, data
    except Exception:  # noqa: BLE001 - any failure to decode untrusted bytes is a damaged file
        raise ValidationError(_("图片“%(name)s”已损坏或不完整，无法识别，请重新导出后上传。") % {"name": name}) from None
    return _PILLOW[fmt], out


def _reencode(img, fmt: str) -> bytes:
    buf = io.BytesIO()
    if fmt == "JPEG":
        img = img if img.mode in ("RGB", "L") else img.convert("RGB")
        img.save(buf, "JPEG", quality=90)
    elif fmt == "PNG":
        img = img if img.mode in ("1", "L", "LA", "RGB", "RGBA") else img.convert("RGBA")
        img.save(buf, "PNG", optimize=False)
    else:
        img = img if img.mode in ("RGB", "RGBA") else img.convert("RGBA")
        img.save(buf, "WEBP", quality=90)
    return buf.getvalue()


def _pdf_check(data: bytes, *, name: str) -> None:
    """A PDF pypdf reads to the end: every page object resolved, not encrypted, no document-level
    script or launch action (the places a PDF runs something when opened)."""
    from pypdf import PdfReader

    damaged = ValidationError(_("PDF 文件“%(name)s”已损坏或不是有效的 PDF，无法打开，请重新导出后上传。")
                              % {"name": name})
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise ValidationError(_("PDF 文件“%(name)s”已加密，请去掉密码后再上传。") % {"name": name})
        pages = reader.pages
        if len(pages) == 0:
            raise damaged
        for page in pages:
            page.mediabox  # noqa: B018 - resolves the page and its inherited attributes
        active = _pdf_active(reader.trailer["/Root"].get_object())
    except ValidationError:
        raise
    except Exception:  # noqa: BLE001 - any failure to parse untrusted bytes is a damaged file
        raise damaged from None
    if active:
        raise ValidationError(_("PDF 文件“%(name)s”含有脚本或自动执行的动作，不能上传；请打印为 PDF 后再上传。")
                              % {"name": name})


def _pdf_active(root) -> bool:
    names = root.get("/Names")
    if names is not None and "/JavaScript" in names.get_object():
        return True
    if "/AA" in root:
        return True
    action = root.get("/OpenAction")
    action = action.get_object() if action is not None else None
    return hasattr(action, "get") and action.get("/S") in ("/JavaScript", "/Launch")


def upload_response(stored, *, filename: str, content_type: str | None = None) -> HttpResponse:
    """Send a stored file to a requester the caller has already checked: a download unless it is
    an image, its detected type, never sniffed nor run. Behind the shipped nginx
    (`UPLOAD_ACCEL_REDIRECT`) nginx sends the bytes from its `internal` location; else Django
    streams them."""
    # A type recorded before the allow-list narrowed (a GIF) is sent as a plain download.
    content_type = content_type if content_type in SERVED else _type_of(stored.name)
    prefix = settings.UPLOAD_ACCEL_REDIRECT
    if prefix:
        path = PurePosixPath(stored.name)
        if path.is_absolute() or ".." in path.parts:  # only a field's name, relative to MEDIA_ROOT
            raise ValueError(f"not a stored upload's name: {stored.name!r}")
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = prefix + quote(stored.name)
    else:
        response = FileResponse(stored.open("rb"), content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(content_type not in _SHOWN_INLINE, filename)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = _FILE_CSP
    response["Cache-Control"] = "private, no-cache"
    return response


def _type_of(name: str) -> str:
    """The type of a file stored by `upload_clean` or made by us (its extension is ours); else a
    download."""
    ext = PurePosixPath(name).suffix.lower().lstrip(".")
    return {v: k for k, v in SERVED.items()}.get(ext, "application/octet-stream")


def download_name(label: str, stored, original: str = "") -> str:
    """The name a stored upload is downloaded under: the uploaded name's stem (`original`, as the
    person knew the file) or else `label`, with the extension of the type we detected and stored
    (an image re-encoded to another format says so; a `.html` name never comes back)."""
    ext = PurePosixPath(stored.name).suffix.lower()
    stem = PurePosixPath(original.replace("\\", "/")).name.rsplit(".", 1)[0].strip() if original else ""
    return f"{stem or label}{ext if _type_of(stored.name) != 'application/octet-stream' else ''}"
