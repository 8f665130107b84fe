"""Drawing payloads as QR symbols: PNG, SVG and terminal text (``wallet-mobile qr``).

Every payload is one byte-mode segment at error-correction level M, in the
smallest version that holds it; each renderer returns that version so callers
can report it. The quiet zone (``border``, in modules) is 4 by default, as
ISO/IEC 18004 asks.
"""

import io
import os
from dataclasses import dataclass
from typing import BinaryIO

import qrcode
from PIL import Image
from qrcode.util import MODE_8BIT_BYTE, QRData

from qr._wire import version_for_length
from qr.errors import QrError

__all__ = ["QrMatrix", "qr_matrix", "qr_version", "render_png", "render_svg", "render_terminal"]

QUIET_ZONE = 4
_MAX_SCALE = 64
Target = str | os.PathLike[str] | BinaryIO


@dataclass(frozen=True, slots=True)
class QrMatrix:
    """A QR symbol: its version and its modules (``True`` = dark), quiet zone not included."""

    version: int
    modules: tuple[tuple[bool, ...], ...]

    @property
    def size(self) -> int:
        """Modules per side: ``17 + 4 × version``."""
        return len(self.modules)

    def with_border(self, border: int) -> list[list[bool]]:
        """The modules surrounded by ``border`` light modules on every side."""
        if not isinstance(border, int) or not 0 <= border <= 4 * QUIET_ZONE:
            raise ValueError("border must be between 0 and 16 modules")
        width = self.size + 2 * border
        blank = [False] * width
        rows = [list(blank) for _ in range(border)]
        rows += [[False] * border + list(row) + [False] * border for row in self.modules]
        rows += [list(blank) for _ in range(border)]
        return rows


def qr_version(payload: bytes, *, max_version: int = 40) -> int:
    """The smallest version (level M, byte mode) holding ``payload``; ``QrError('too_large')`` past
    ``max_version``. Pure arithmetic: nothing is drawn."""
    if not isinstance(payload, bytes) or not payload:
        raise QrError("malformed")
    version = version_for_length(len(payload))
    if version is None or version > max_version:
        raise QrError("too_large")
    return version


def qr_matrix(payload: bytes, *, max_version: int = 40) -> QrMatrix:
    """The QR symbol of ``payload`` at level M in its smallest version (best mask chosen)."""
    version = qr_version(payload, max_version=max_version)  # before qrcode: 100 KB costs nothing
    code = qrcode.QRCode(version=version, error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
    code.add_data(QRData(payload, mode=MODE_8BIT_BYTE))
    code.make(fit=False)
    modules = tuple(tuple(bool(cell) for cell in row) for row in code.modules)
    return QrMatrix(version, modules)


def _write(target: Target, data: bytes) -> None:
    if isinstance(target, str | os.PathLike):
        with open(target, "wb") as handle:
            handle.write(data)
    else:
        target.write(data)


def png_bytes(matrix: QrMatrix, *, scale: int = 8, border: int = QUIET_ZONE) -> bytes:
    """A greyscale PNG of ``matrix``, ``scale`` pixels per module."""
    if not isinstance(scale, int) or not 1 <= scale <= _MAX_SCALE:
        raise ValueError("scale must be between 1 and 64 pixels per module")
    rows = matrix.with_border(border)
    width = len(rows)
    pixels = bytes(0 if dark else 255 for row in rows for dark in row)
    image = Image.frombytes("L", (width, width), pixels)
    image = image.resize((width * scale, width * scale), Image.Resampling.NEAREST)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def render_png(
    payload: bytes, target: Target, *, scale: int = 8, border: int = QUIET_ZONE, max_version: int = 40
) -> int:
    """Write ``payload`` as a PNG QR code to a path or binary file; return the QR version."""
    matrix = qr_matrix(payload, max_version=max_version)
    _write(target, png_bytes(matrix, scale=scale, border=border))
    return matrix.version


def svg_text(matrix: QrMatrix, *, scale: int = 8, border: int = QUIET_ZONE) -> str:
    """A standalone SVG of ``matrix``: one path of horizontal runs, ``scale`` px per module."""
    if not isinstance(scale, int) or not 1 <= scale <= _MAX_SCALE:
        raise ValueError("scale must be between 1 and 64 pixels per module")
    rows = matrix.with_border(border)
    width = len(rows)
    runs = []
    for y, row in enumerate(rows):
        x = 0
        while x < width:
            if not row[x]:
                x += 1
                continue
            start = x
            while x < width and row[x]:
                x += 1
            runs.append(f"M{start} {y}h{x - start}v1h-{x - start}z")
    pixels = width * scale
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="{pixels}" height="{pixels}" '
        f'viewBox="0 0 {width} {width}" shape-rendering="crispEdges">'
        f'<rect width="{width}" height="{width}" fill="#fff"/>'
        f'<path fill="#000" d="{"".join(runs)}"/></svg>\n'
    )


def render_svg(
    payload: bytes, target: Target, *, scale: int = 8, border: int = QUIET_ZONE, max_version: int = 40
) -> int:
    """Write ``payload`` as an SVG QR code to a path or binary file; return the QR version."""
    matrix = qr_matrix(payload, max_version=max_version)
    _write(target, svg_text(matrix, scale=scale, border=border).encode("utf-8"))
    return matrix.version


_HALF_BLOCKS = {(False, False): " ", (True, False): "▀", (False, True): "▄", (True, True): "█"}


def render_terminal(
    payload: bytes, *, border: int = QUIET_ZONE, invert: bool = False, max_version: int = 40
) -> tuple[str, int]:
    """The QR code as lines of half-block characters (two module rows per line), and its version.

    By default the characters paint the *light* modules and the quiet zone, for
    the usual light-on-dark terminal; ``invert=True`` paints the dark modules,
    for dark text on a light background.
    """
    matrix = qr_matrix(payload, max_version=max_version)
    rows = matrix.with_border(border)
    painted = [[dark == invert for dark in row] for row in rows]
    if len(painted) % 2:
        painted.append([not invert] * len(painted[0]))  # one more quiet row, painted like the zone
    lines = [
        "".join(_HALF_BLOCKS[(top, bottom)] for top, bottom in zip(upper, lower, strict=True))
        for upper, lower in zip(painted[0::2], painted[1::2], strict=True)
    ]
    return "\n".join(lines) + "\n", matrix.version
