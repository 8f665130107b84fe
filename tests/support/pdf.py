"""Read back what a generated PDF carries: the QR image of a visit receipt, through a real decoder."""

from __future__ import annotations

import io
import struct
import zlib

from PIL import Image
from pyhanko.pdf_utils.reader import PdfFileReader

import qr


def qr_of(pdf: bytes) -> bytes:
    """The one QR image of the receipt's page, decoded by the real decoder (zxing-cpp).

    The image is stored as PNG-predicted Flate data (``/Predictor 15``): exactly a PNG's IDAT
    stream, so it is wrapped back into a PNG file as stored, with no pixel handled here."""
    page = PdfFileReader(io.BytesIO(pdf)).root["/Pages"]["/Kids"][0]
    images = page["/Resources"]["/XObject"]
    assert len(images) == 1
    image = images[next(iter(images))]
    assert image["/ColorSpace"] == "/DeviceGray" and image["/BitsPerComponent"] == 8
    assert image["/Filter"] == "/FlateDecode" and image["/DecodeParms"]["/Predictor"] == 15
    width, height = int(image["/Width"]), int(image["/Height"])
    png = b"\x89PNG\r\n\x1a\n"
    png += _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
    png += _chunk(b"IDAT", image.encoded_data) + _chunk(b"IEND", b"")
    assert Image.open(io.BytesIO(png)).size == (width, height)
    return qr.read_qr_image(png)


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
