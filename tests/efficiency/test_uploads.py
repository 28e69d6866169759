"""Uploads as an attacker sends them (efficiency/uploads.py): every file is parsed in full, an
image is re-encoded so nothing but its pixels survives, a bomb or a damaged PDF is refused with a
message, and what is kept is stored under a random name and served never sniffed nor run."""

import io
import re

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import FileField
from django.db.models.fields.files import FieldFile
from PIL import Image
from pypdf import PdfWriter

from efficiency.uploads import EVIDENCE, IMAGES, PDF, upload_clean, upload_response

from ..files import SCRIPT, bomb_png, pdf, png, png_bytes

RANDOM_NAME = r"[0-9a-f]{32}\.(jpg|png|webp|pdf)"


def _refused(f, allowed=EVIDENCE) -> str:
    with pytest.raises(ValidationError) as exc:
        upload_clean(f, allowed=allowed)
    return " ".join(exc.value.messages)


def test_html_riding_on_a_valid_png_is_stripped_by_the_re_encode():
    cleaned = upload_clean(png("证据.png", tail=SCRIPT))
    data = cleaned.file.read()
    assert b"<script" not in data and b"<html" not in data
    assert Image.open(io.BytesIO(data)).format == "PNG" and cleaned.content_type == "image/png"


def test_html_behind_an_image_header_is_refused():
    for header in (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", b"GIF89a", b"RIFF\x00\x00\x00\x00WEBPVP8 "):
        message = _refused(SimpleUploadedFile("photo.png", header + SCRIPT, content_type="image/png"))
        assert "不是图片或 PDF 文件" in message or "已损坏" in message, header


def test_an_svg_or_an_html_file_is_refused_whatever_its_name():
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    for name, body in (("logo.svg", svg), ("photo.jpg", SCRIPT), ("scan.pdf", SCRIPT)):
        assert "不是图片或 PDF 文件" in _refused(SimpleUploadedFile(name, body)), name


def test_a_gif_is_refused_it_is_not_on_the_allow_list():
    buf = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buf, "GIF")
    assert "只能上传 JPG、PNG、WEBP 图片或 PDF" in _refused(SimpleUploadedFile("a.gif", buf.getvalue()))


def test_a_20000_by_20000_png_bomb_is_refused_with_a_message():
    bomb = bomb_png()
    assert bomb.size < 200_000  # small on the wire, 400 MP once decoded
    assert "像素过多（超过 40 百万像素）" in _refused(bomb)


def test_an_image_just_over_the_pixel_cap_is_refused_before_it_is_decoded(settings):
    settings.UPLOAD_MAX_PIXELS = 1_000_000
    assert "像素过多" in _refused(png(size=(1001, 1000)))
    assert upload_clean(png(size=(1000, 1000))).content_type == "image/png"


def test_a_truncated_image_is_refused_as_damaged():
    data = png_bytes((300, 300))
    assert "已损坏" in _refused(SimpleUploadedFile("cut.png", data[: len(data) // 2]))


def test_the_re_encode_drops_metadata_such_as_the_gps_position():
    img, buf = Image.new("RGB", (16, 16), "red"), io.BytesIO()
    exif = Image.Exif()
    exif[0x8825] = {2: (30.0, 52.0, 0.0)}  # GPSInfo: latitude
    exif[0x010F] = "手机厂商"
    img.save(buf, "JPEG", exif=exif.tobytes())
    cleaned = upload_clean(SimpleUploadedFile("窗口.jpg", buf.getvalue()))
    assert cleaned.content_type == "image/jpeg"
    assert not Image.open(io.BytesIO(cleaned.file.read())).getexif()


def test_a_pdf_with_garbage_after_its_header_is_refused():
    message = _refused(SimpleUploadedFile("扫描件.pdf", b"%PDF-1.7\n" + bytes(range(256)) * 40))
    assert "PDF 文件“扫描件.pdf”已损坏或不是有效的 PDF" in message


def test_a_pdf_whose_pages_are_missing_is_refused():
    catalog_only = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    assert "已损坏" in _refused(SimpleUploadedFile("a.pdf", catalog_only), allowed=PDF)


def test_a_pdf_that_runs_a_script_when_opened_is_refused():
    assert "含有脚本" in _refused(pdf(script=True))


def test_an_encrypted_pdf_is_refused():
    writer, buf = PdfWriter(), io.BytesIO()
    writer.add_blank_page(width=100, height=100)
    writer.encrypt("secret", algorithm="RC4-128")
    writer.write(buf)
    assert "已加密" in _refused(SimpleUploadedFile("a.pdf", buf.getvalue()))


def test_a_real_pdf_is_kept_byte_for_byte_under_a_random_name():
    upload = pdf("../../etc/passwd.pdf")
    body = upload.read()
    cleaned = upload_clean(upload)
    assert cleaned.content_type == "application/pdf" and cleaned.file.read() == body
    assert re.fullmatch(RANDOM_NAME, cleaned.file.name) and cleaned.original_name == "passwd.pdf"


def test_an_image_where_only_pdf_is_allowed_and_a_pdf_where_only_images_are_allowed_are_refused():
    assert "只能上传 PDF" in _refused(png(), allowed=PDF)
    assert "只能上传 JPG、PNG、WEBP 格式的图片" in _refused(pdf(), allowed=IMAGES)


# --- serving ------------------------------------------------------------------------------------


@pytest.fixture
def stored(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path

    def save(cleaned):  # as a model's file field holds it: the name relative to MEDIA_ROOT
        name = default_storage.save(f"t/{cleaned.file.name}", cleaned.file)
        return FieldFile(None, FileField(storage=default_storage), name)
    return save


def test_an_image_is_served_inline_as_its_detected_type_never_sniffed(stored):
    f = stored(upload_clean(png(tail=SCRIPT)))
    r = upload_response(f, filename="现场.png")
    assert r["Content-Type"] == "image/png" and r["X-Content-Type-Options"] == "nosniff"
    assert r["Content-Disposition"].startswith("inline") and "sandbox" in r["Content-Security-Policy"]
    assert b"<script" not in b"".join(r.streaming_content)


def test_a_pdf_or_an_unknown_file_is_a_download(stored, tmp_path):
    r = upload_response(stored(upload_clean(pdf())), filename="扫描件.pdf")
    assert r["Content-Type"] == "application/pdf" and r["Content-Disposition"].startswith("attachment")
    assert "filename*=utf-8''%E6%89%AB%E6%8F%8F%E4%BB%B6.pdf" in r["Content-Disposition"]
    legacy = default_storage.save("old/report.html", ContentFile(SCRIPT))  # a name from before random names
    r = upload_response(FieldFile(None, FileField(storage=default_storage), legacy), filename="report.html")
    assert r["Content-Type"] == "application/octet-stream" and r["Content-Disposition"].startswith("attachment")
    assert r["X-Content-Type-Options"] == "nosniff"
    gif = default_storage.save("old/anim.gif", ContentFile(b"GIF89a" + SCRIPT))  # a type no longer allowed
    r = upload_response(FieldFile(None, FileField(storage=default_storage), gif), filename="a.gif",
                        content_type="image/gif")
    assert r["Content-Type"] == "application/octet-stream" and r["Content-Disposition"].startswith("attachment")


def test_behind_nginx_the_bytes_come_from_the_internal_location(stored, settings):
    f = stored(upload_clean(png()))
    settings.UPLOAD_ACCEL_REDIRECT = "/_uploads/"
    r = upload_response(f, filename="现场.png")
    assert re.fullmatch(r"/_uploads/t/[0-9a-f]{32}\.png", r["X-Accel-Redirect"]) and r.content == b""
    assert r["Content-Type"] == "image/png" and r["X-Content-Type-Options"] == "nosniff"


@pytest.mark.django_db
def test_the_upload_folder_has_no_public_address(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    name = default_storage.save("complaints/2026/01/evidence.png", ContentFile(png_bytes()))
    assert client.get(f"/media/{name}").status_code == 404
