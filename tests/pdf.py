"""Reading a generated PDF back (pypdf) in the tests."""

from io import BytesIO

from pypdf import PdfReader


def pdf_text(data: bytes) -> str:
    """The text of every page, spaces and line breaks removed (CJK text wraps anywhere)."""
    return "".join(page.extract_text() for page in PdfReader(BytesIO(data)).pages).replace(" ", "").replace("\n", "")
