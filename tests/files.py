"""Files for upload tests: real ones, and an attacker's (efficiency/uploads.py)."""

from __future__ import annotations

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from pypdf import PdfWriter
from pypdf.generic import DictionaryObject, NameObject, TextStringObject

SCRIPT = b"<html><body><script>fetch('/accounts/password/change/')</script></body></html>"


def png_bytes(size=(40, 30), *, mode="RGB") -> bytes:
    buf = io.BytesIO()
    Image.new(mode, size, 0 if mode == "1" else (200, 30, 30)).save(buf, "PNG")
    return buf.getvalue()


def png(name="photo.png", size=(40, 30), *, tail: bytes = b"") -> SimpleUploadedFile:
    """A real PNG; `tail` is appended after its end (an HTML page riding on a valid image)."""
    return SimpleUploadedFile(name, png_bytes(size) + tail, content_type="image/png")


def bomb_png(side: int = 20000) -> SimpleUploadedFile:
    """A decompression bomb: 20000×20000 pixels (400 MP) in about 50 KB of PNG."""
    return SimpleUploadedFile("bomb.png", png_bytes((side, side), mode="1"), content_type="image/png")


def pdf_bytes(*, script: bool = False) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    if script:  # a document-level action that runs when the PDF is opened
        writer._root_object[NameObject("/OpenAction")] = DictionaryObject({
            NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject("app.alert(1)")})
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def pdf(name="扫描件.pdf", *, script: bool = False) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, pdf_bytes(script=script), content_type="application/pdf")
