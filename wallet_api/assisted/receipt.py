"""The printable receipt of an assisted visit: an A5 PDF in Vietnamese with a QR anyone can check.

The QR carries the receipt itself, a JWS the service signed (``visit-receipt+jwt``):
``POST /v1/visit-receipts/check`` or any holder of the service's JWKS verifies it
later. The text uses DejaVu Sans (shipped beside this module, Bitstream Vera
licence), which carries every Vietnamese diacritic; fpdf2 embeds the subset used.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from pathlib import Path

from fpdf import FPDF

import qr

FONT = Path(__file__).parent / "fonts" / "DejaVuSans.ttf"
VIETNAM = dt.timezone(dt.timedelta(hours=7))
TITLE = "BIÊN NHẬN LÀM THỦ TỤC TẠI BỘ PHẬN MỘT CỬA"


def receipt_pdf(lines: Sequence[tuple[str, str]], signed: str, issued_at: dt.datetime) -> bytes:
    """The receipt: a title, ``(label, value)`` lines, the QR of ``signed`` and how to check it."""
    pdf = FPDF(format="A5")
    pdf.set_creator("wallet")
    pdf.set_title(TITLE)
    pdf.add_font("DejaVu", fname=str(FONT))
    pdf.add_page()
    pdf.set_font("DejaVu", size=12)
    pdf.multi_cell(0, 7, TITLE, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", size=8)
    pdf.multi_cell(
        0, 5, "Receipt of an assisted visit at a one-stop office", align="C", new_x="LMARGIN", new_y="NEXT"
    )
    pdf.ln(3)
    pdf.set_font("DejaVu", size=9)
    for label, value in lines:
        pdf.multi_cell(0, 5, f"{label}: {value}", new_x="LMARGIN", new_y="NEXT")
    when = issued_at.astimezone(VIETNAM)
    pdf.multi_cell(
        0, 5, f"In lúc / Printed: {when:%H:%M} ngày {when:%d/%m/%Y}", new_x="LMARGIN", new_y="NEXT"
    )
    png = io.BytesIO()
    qr.render_png(signed.encode("ascii"), png, scale=4)
    pdf.ln(2)
    pdf.image(io.BytesIO(png.getvalue()), x=(pdf.w - 60) / 2, w=60)
    pdf.set_font("DejaVu", size=7)
    pdf.multi_cell(
        0,
        4,
        "Quét mã QR để kiểm tra biên nhận (chữ ký của hệ thống ví, POST /v1/visit-receipts/check). "
        "Scan the QR code to check this receipt (signed by the wallet service).",
        align="C",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    return bytes(pdf.output())
