"""The printable wallet card: an A6 PDF in Vietnamese first, whose QR names the wallet and nothing else.

The QR carries the card's JWS (``wallet-card+jwt``, an opaque card id the service signed); the
text says how to use the card and never holds a name, a CCCD or a citizen id. The last four
characters of the card id are printed so a citizen (and the officer) can tell a new card from
an old one. Same font as the visit receipt (DejaVu Sans, every Vietnamese diacritic).
"""

from __future__ import annotations

import datetime as dt
import io

from fpdf import FPDF

import qr
from wallet_api.assisted.receipt import FONT, VIETNAM

TITLE = "THẺ VÍ GIẤY TỜ CÔNG DÂN"


def card_pdf(signed: str, card_tail: str, issued_at: dt.datetime) -> bytes:
    """The card: a title, the QR of ``signed``, the card's tail, when it was issued, how to use it."""
    pdf = FPDF(format=(105, 148))  # A6, in mm
    pdf.set_creator("wallet")
    pdf.set_title(TITLE)
    pdf.add_font("DejaVu", fname=str(FONT))
    pdf.add_page()
    pdf.set_font("DejaVu", size=11)
    pdf.multi_cell(0, 6, TITLE, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", size=7)
    pdf.multi_cell(0, 4, "Citizen wallet card", align="C", new_x="LMARGIN", new_y="NEXT")
    png = io.BytesIO()
    qr.render_png(signed.encode("ascii"), png, scale=4)
    pdf.ln(1)
    pdf.image(io.BytesIO(png.getvalue()), x=(pdf.w - 62) / 2, w=62)
    when = issued_at.astimezone(VIETNAM)
    pdf.set_font("DejaVu", size=8)
    pdf.multi_cell(
        0,
        4,
        f"Mã thẻ / Card: …{card_tail}    Cấp ngày / Issued: {when:%d/%m/%Y}",
        align="C",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.set_font("DejaVu", size=7)
    pdf.multi_cell(
        0,
        3.5,
        "Xuất trình thẻ này tại bộ phận một cửa; bạn xác nhận mỗi việc bằng mã PIN 6 số. "
        "Không cho ai biết mã PIN. Mất thẻ: đổi thẻ tại quầy (CCCD + mã PIN) hoặc trên điện thoại; "
        "thẻ cũ hết hiệu lực ngay. "
        "Show this card at a one-stop office; you confirm each action with your 6-digit PIN. "
        "Never tell anyone your PIN. Lost it: replace it at the counter (CCCD + PIN) or on your phone; "
        "the old card stops working at once.",
        align="C",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    return bytes(pdf.output())
