"""Reading the QR code out of an image file (a screenshot, or a phone photo of a screen) with zxing-cpp.

The image is bounded before it is decoded (file size, pixel count), turned to
greyscale on white, and scaled down to at most ``DECODE_SIDE`` pixels a side.
zxing-cpp then runs a few fixed passes (each a different binarizer or a
cleaned-up copy) until one finds a code, so the work is bounded: a hard image
ends in a ``QrError``, never a hang. Exactly one QR code must be found; its
raw bytes go to ``decode_any``.
"""

import io
import os
import warnings
from collections.abc import Callable

import zxingcpp
from PIL import Image, ImageFilter, ImageOps, UnidentifiedImageError

from qr._wire import MAX_PAYLOAD_BYTES
from qr.errors import QrError

__all__ = ["DECODE_SIDE", "MAX_IMAGE_BYTES", "MAX_IMAGE_PIXELS", "read_qr_image"]

MAX_IMAGE_BYTES = 32 * 1024 * 1024
"""Largest image file read."""
MAX_IMAGE_PIXELS = 64_000_000
"""Largest image (width × height) decoded: more than any phone camera takes."""
DECODE_SIDE = 1600
"""Longest side, in pixels, of the image handed to zxing-cpp (larger ones are scaled down first)."""

_FORMATS = ("PNG", "JPEG", "WEBP", "BMP", "GIF")  # the JPEG reader also opens phones' MPO files
_QR = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
_UNREADABLE = (OSError, ValueError, SyntaxError, EOFError)

Source = str | os.PathLike[str] | bytes


def _read_source(source: Source) -> bytes:
    if isinstance(source, bytes):
        data = source
    elif isinstance(source, str | os.PathLike):
        try:
            if os.stat(source).st_size > MAX_IMAGE_BYTES:
                raise QrError("too_large")
            with open(source, "rb") as handle:
                data = handle.read(MAX_IMAGE_BYTES + 1)
        except OSError:
            raise QrError("unreadable_image") from None
    else:
        raise QrError("unreadable_image")
    if len(data) > MAX_IMAGE_BYTES:
        raise QrError("too_large")
    return data


def _open(data: bytes) -> Image.Image:
    """The image as greyscale on white, at most ``DECODE_SIDE`` pixels a side."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=_FORMATS)
            width, height = image.size
            if width * height > MAX_IMAGE_PIXELS:
                raise QrError("too_large")
            if image.format == "JPEG":
                image.draft("L", (DECODE_SIDE, DECODE_SIDE))  # decode at 1/2, 1/4 … scale: fast
            image.load()
            return _shrink(_grey_on_white(ImageOps.exif_transpose(image)))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise QrError("too_large") from None  # Pillow's own limit, met before ours on huge headers
    except (UnidentifiedImageError, *_UNREADABLE):
        raise QrError("unreadable_image") from None


def _grey_on_white(image: Image.Image) -> Image.Image:
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        # A transparent background would turn black: lay the image on white first.
        rgba = image.convert("RGBA")
        canvas = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(canvas, rgba).convert("L")
    return image.convert("L")


def _shrink(image: Image.Image) -> Image.Image:
    if max(image.size) > DECODE_SIDE:
        image.thumbnail((DECODE_SIDE, DECODE_SIDE), Image.Resampling.BOX)
    return image


def _stretch(image: Image.Image) -> Image.Image:
    # Blur and glare flatten contrast; stretching it back helps the local-average binarizer.
    return ImageOps.autocontrast(image, cutoff=5)


def _sharpen(image: Image.Image) -> Image.Image:
    return image.filter(ImageFilter.UnsharpMask(radius=4, percent=200, threshold=0))


def _denoise(image: Image.Image) -> Image.Image:
    return image.filter(ImageFilter.MedianFilter(3))


def _identity(image: Image.Image) -> Image.Image:
    return image


# Each pass: a preparation of the image and a binarizer. Stop at the first pass that finds a code.
_PASSES: tuple[tuple[Callable[[Image.Image], Image.Image], zxingcpp.Binarizer], ...] = (
    (_identity, zxingcpp.Binarizer.LocalAverage),
    (_identity, zxingcpp.Binarizer.GlobalHistogram),
    (_stretch, zxingcpp.Binarizer.LocalAverage),
    (_sharpen, zxingcpp.Binarizer.LocalAverage),
    (_denoise, zxingcpp.Binarizer.LocalAverage),
)


def _scan(image: Image.Image) -> list[bytes]:
    """Payloads of the QR codes in ``image`` (first pass that finds one); raises if only damaged ones."""
    damaged = False
    for prepare, binarizer in _PASSES:
        found = zxingcpp.read_barcodes(prepare(image), formats=_QR, binarizer=binarizer, return_errors=True)
        payloads = [code.bytes for code in found if code.valid]
        if payloads:
            return payloads
        damaged = damaged or bool(found)
    raise QrError("unreadable_code" if damaged else "no_code")


def read_qr_image(source: Source) -> bytes:
    """The raw payload of the one QR code in an image file (path or the file's bytes).

    ``QrError`` reasons: ``unreadable_image`` (not a PNG/JPEG/WebP/BMP/GIF we can
    read), ``too_large`` (file or pixel count), ``no_code``, ``unreadable_code``
    (found but not decodable), ``multiple_codes``.
    """
    payloads = _scan(_open(_read_source(source)))
    if len(payloads) > 1:
        raise QrError("multiple_codes")
    payload = payloads[0]
    if len(payload) > MAX_PAYLOAD_BYTES:
        raise QrError("too_large")
    return payload
