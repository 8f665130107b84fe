"""Rendering: minimal version at level M, PNG, SVG and half-block terminal output."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET

import pytest
import qrcode
from PIL import Image
from qrcode.util import MODE_8BIT_BYTE, QRData

from qr import QrError, QrMatrix, qr_matrix, qr_version, render_png, render_svg, render_terminal
from qr._wire import BYTE_CAPACITY_M

PAYLOAD = b"WI1" + bytes(range(256))[:150]


def test_capacity_table_matches_qrcode_at_every_version_boundary() -> None:
    for version, capacity in enumerate(BYTE_CAPACITY_M, start=1):
        for length, expected in ((capacity, version), (capacity + 1, version + 1)):
            if expected > 40:
                continue
            code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M)
            code.add_data(QRData(b"\xa5" * length, mode=MODE_8BIT_BYTE))
            assert code.best_fit() == expected == qr_version(b"\xa5" * length)  # version only: fast


def test_too_large_or_empty_payloads() -> None:
    for payload, reason in ((b"x" * 2332, "too_large"), (b"x" * 100_000, "too_large"), (b"", "malformed")):
        with pytest.raises(QrError) as caught:
            qr_matrix(payload)
        assert caught.value.reason == reason
    with pytest.raises(QrError):
        qr_version(b"x" * 214, max_version=10)


def test_matrix_has_the_size_of_its_version() -> None:
    matrix = qr_matrix(PAYLOAD)
    assert matrix.version == qr_version(PAYLOAD) == 9  # 153 bytes: one more than version 8 holds
    assert matrix.size == 17 + 4 * matrix.version
    assert all(len(row) == matrix.size for row in matrix.modules)
    finder = [row[:7] for row in matrix.modules[:7]]  # the top-left finder pattern
    assert finder[0] == (True,) * 7 and finder[1] == (True,) + (False,) * 5 + (True,)


def test_png_is_the_matrix_scaled_with_a_quiet_zone() -> None:
    out = io.BytesIO()
    version = render_png(PAYLOAD, out, scale=3, border=4)
    image = Image.open(io.BytesIO(out.getvalue()))
    matrix = qr_matrix(PAYLOAD)
    side = (matrix.size + 8) * 3
    assert version == matrix.version and image.format == "PNG" and image.size == (side, side)
    grey = image.convert("L")
    assert grey.getpixel((0, 0)) == 255  # quiet zone
    assert grey.getpixel((12 + 1, 12 + 1)) == 0  # first module of the finder pattern
    with pytest.raises(ValueError):
        render_png(PAYLOAD, io.BytesIO(), scale=0)


def test_svg_is_well_formed_and_draws_every_dark_module() -> None:
    out = io.BytesIO()
    version = render_svg(PAYLOAD, out, border=2)
    root = ET.fromstring(out.getvalue())
    matrix = qr_matrix(PAYLOAD)
    assert version == matrix.version
    assert root.get("viewBox") == f"0 0 {matrix.size + 4} {matrix.size + 4}"
    path = root.find("{http://www.w3.org/2000/svg}path")
    assert path is not None
    drawn = 0
    for command in (path.get("d") or "").split("M")[1:]:
        drawn += int(command.split("h")[1].split("v")[0])
    assert drawn == sum(sum(row) for row in matrix.modules)


def _modules_from_terminal(text: str, *, invert: bool) -> list[list[bool]]:
    halves = {" ": (False, False), "▀": (True, False), "▄": (False, True), "█": (True, True)}
    rows: list[list[bool]] = []
    for line in text.splitlines():
        pairs = [halves[char] for char in line]
        rows.append([top == invert for top, _ in pairs])  # painted = light unless inverted
        rows.append([bottom == invert for _, bottom in pairs])
    return rows


@pytest.mark.parametrize("invert", [False, True])
def test_terminal_half_blocks_encode_the_matrix(invert: bool) -> None:
    text, version = render_terminal(PAYLOAD, border=4, invert=invert)
    matrix = qr_matrix(PAYLOAD)
    assert version == matrix.version
    lines = text.splitlines()
    assert len(lines) == (matrix.size + 8 + 1) // 2 and {len(line) for line in lines} == {matrix.size + 8}
    decoded = _modules_from_terminal(text, invert=invert)
    assert decoded[: matrix.size + 8] == matrix.with_border(4)


def test_border_bounds() -> None:
    with pytest.raises(ValueError):
        QrMatrix(1, ((True,),)).with_border(-1)
