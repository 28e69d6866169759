"""A bulletin as a printable PDF (reportlab's built-in CID font: no font files needed)."""

from __future__ import annotations

from io import BytesIO
from xml.sax.saxutils import escape

from django.utils import timezone
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

FONT = "STSong-Light"


def bulletin_pdf(bulletin) -> bytes:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    title = ParagraphStyle("t", fontName=FONT, fontSize=18, leading=26, alignment=1, textColor="#b00000")
    sub = ParagraphStyle("s", fontName=FONT, fontSize=11, leading=16, alignment=1)
    body = ParagraphStyle("b", fontName=FONT, fontSize=12, leading=20, firstLineIndent=24, wordWrap="CJK")
    buf = BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=A4, leftMargin=25 * mm, rightMargin=25 * mm, title=bulletin.title)
    flow = [Paragraph(escape(bulletin.title), title), Spacer(1, 4 * mm)]
    if bulletin.number:
        flow.append(Paragraph(escape(bulletin.number), sub))
    flow.append(Spacer(1, 6 * mm))
    for line in bulletin.body.splitlines():
        if line.strip():
            flow.append(Paragraph(escape(line.strip()), body))
    flow.append(Spacer(1, 10 * mm))
    if bulletin.approved_by_id and bulletin.approved_at:  # dates in China time, never the stored UTC
        signed = timezone.localtime(bulletin.approved_at)
        flow.append(Paragraph(escape(f"签发：{bulletin.approved_by.full_name}　{signed:%Y年%m月%d日 %H:%M}"), sub))
    if bulletin.published_at:
        flow.append(Paragraph(f"发布日期：{timezone.localtime(bulletin.published_at):%Y年%m月%d日}", sub))
    doc.build(flow)
    return buf.getvalue()
