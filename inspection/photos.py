"""Photos from visits are checked by their content, not by their name or declared type."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

MAX_BYTES = 10 * 1024 * 1024
FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}


def photo_validate(upload) -> str:
    """The photo's real content type; ValidationError unless it is a JPEG, PNG or WebP image."""
    if upload.size > MAX_BYTES:
        raise ValidationError({"image": _("照片不能超过 10MB。")})
    try:
        upload.seek(0)
        with Image.open(upload) as img:
            fmt = img.format
            img.verify()
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError, ValueError):
        raise ValidationError({"image": _("文件内容不是有效的图片（仅支持 JPEG、PNG、WebP）。")}) from None
    finally:
        upload.seek(0)
    if fmt not in FORMATS:
        raise ValidationError({"image": _("仅支持 JPEG、PNG、WebP 格式的照片。")})
    return FORMATS[fmt]
