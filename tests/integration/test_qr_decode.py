"""The real zxing-cpp decoder on codes drawn by qr.render, then distorted like phone photos with Pillow."""

from __future__ import annotations

import io
import random
import struct
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageDraw, ImageFilter

from crypto import generate_private_key
from qr import (
    Identity,
    Presentation,
    QrError,
    decode_any,
    disclose,
    encode_identity,
    encode_presentation,
    qr_version,
    read_qr_image,
    render_png,
    render_svg,
)

SERVICE = generate_private_key()
KEYS = {"svc": SERVICE.public_key()}
NOW = 1_767_225_600
LONG_NAME = "Nguyễn Thị Phương Thảo Hoàng Anh"
CLAIMS = disclose(full_name=LONG_NAME, date_of_birth="1990-05-17", cccd="001190012345", status="verified")
PAYLOAD = encode_identity(SERVICE, CLAIMS, not_before=NOW)


# --- drawing and distortion with Pillow alone --------------------------------------------------


def rendered(payload: bytes = PAYLOAD, scale: int = 8) -> Image.Image:
    out = io.BytesIO()
    render_png(payload, out, scale=scale)
    return Image.open(io.BytesIO(out.getvalue())).convert("L")


def png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def jpeg(image: Image.Image, quality: int) -> bytes:
    out = io.BytesIO()
    image.convert("L").save(out, format="JPEG", quality=quality)
    return out.getvalue()


def _solve(matrix: list[list[float]], rhs: list[float]) -> list[float]:
    rows = [[*row, value] for row, value in zip(matrix, rhs, strict=True)]
    size = len(rhs)
    for col in range(size):
        pivot = max(range(col, size), key=lambda r: abs(rows[r][col]))
        rows[col], rows[pivot] = rows[pivot], rows[col]
        for r in range(size):
            if r != col:
                factor = rows[r][col] / rows[col][col]
                rows[r] = [a - factor * b for a, b in zip(rows[r], rows[col], strict=True)]
    return [rows[i][size] / rows[i][i] for i in range(size)]


def perspective(image: Image.Image, strength: float, fill: int = 255) -> Image.Image:
    """A keystone warp: the corners pulled in unevenly, as a camera held at an angle sees a screen."""
    w, h = image.size
    d = strength
    target = [
        (w * d, h * d * 0.5),
        (w * (1 - d * 0.3), 0.0),
        (float(w), float(h)),
        (w * d * 0.6, h * (1 - d)),
    ]
    source = [(0.0, 0.0), (float(w), 0.0), (float(w), float(h)), (0.0, float(h))]
    matrix, rhs = [], []
    for (x, y), (u, v) in zip(target, source, strict=True):
        matrix += [[x, y, 1, 0, 0, 0, -u * x, -u * y], [0, 0, 0, x, y, 1, -v * x, -v * y]]
        rhs += [u, v]
    coefficients = tuple(_solve(matrix, rhs))
    return image.transform(
        (w, h), Image.Transform.PERSPECTIVE, coefficients, Image.Resampling.BICUBIC, fillcolor=fill
    )


def rotate(image: Image.Image, degrees: float, fill: int = 255) -> Image.Image:
    return image.rotate(degrees, Image.Resampling.BICUBIC, expand=True, fillcolor=fill)


def noise(image: Image.Image, sigma: float, seed: int = 7) -> Image.Image:
    """Seeded Gaussian grain: a 251-pixel tile (prime, so rows do not line up) repeated over the image."""
    rnd = random.Random(seed)
    side = 251
    tile = Image.frombytes(
        "L", (side, side), bytes(max(0, min(255, int(128 + rnd.gauss(0, sigma)))) for _ in range(side * side))
    )
    layer = Image.new("L", image.size)
    for x in range(0, image.width, side):
        for y in range(0, image.height, side):
            layer.paste(tile, (x, y))
    return ImageChops.add(image.convert("L"), layer, scale=1.0, offset=-128)


def photo(code: Image.Image, size: tuple[int, int] = (2000, 1500), seed: int = 3) -> Image.Image:
    """A phone showing the code on a grey desk, photographed at an angle: bezel, screen, blur, grain."""
    w, h = size
    scene = Image.new("L", size, 118)
    draw = ImageDraw.Draw(scene)
    phone = (int(w * 0.3), int(h * 0.08), int(w * 0.7), int(h * 0.92))
    draw.rounded_rectangle(phone, radius=w // 30, fill=22)  # the bezel
    screen = (phone[0] + w // 40, phone[1] + h // 14, phone[2] - w // 40, phone[3] - h // 14)
    draw.rectangle(screen, fill=232)  # a screen is never paper-white
    side = int((screen[2] - screen[0]) * 0.86)
    on_screen = code.resize((side, side), Image.Resampling.NEAREST).point(lambda p: 232 if p > 128 else 38)
    scene.paste(on_screen, (screen[0] + (screen[2] - screen[0] - side) // 2, screen[1] + h // 8))
    scene = perspective(rotate(scene, 12, fill=118), 0.1, fill=118)
    scene = scene.filter(ImageFilter.GaussianBlur(1.6))
    return noise(scene, 6, seed=seed)


def identity_of(data: bytes | Path) -> Identity:
    decoded = decode_any(read_qr_image(data), keys=KEYS, now=NOW + 30)
    assert isinstance(decoded, Identity)
    return decoded


# --- decoding ----------------------------------------------------------------------------------


def test_identity_qr_is_version_10_or_lower_for_a_long_vietnamese_name() -> None:
    assert qr_version(PAYLOAD) <= 10
    assert identity_of(png(rendered())).claims.name == LONG_NAME


DISTORTIONS: dict[str, Callable[[Image.Image], bytes]] = {
    "rotated_10": lambda img: png(rotate(img, 10)),
    "rotated_20": lambda img: png(rotate(img, 20)),
    "rotated_30": lambda img: png(rotate(img, 30)),
    "gaussian_blur_1_5": lambda img: png(img.filter(ImageFilter.GaussianBlur(1.5))),
    "gaussian_blur_3": lambda img: png(img.filter(ImageFilter.GaussianBlur(3))),
    "perspective_warp": lambda img: png(perspective(img, 0.2)),
    "jpeg_quality_10": lambda img: jpeg(img, 10),
    "downscaled_to_2_5_px_per_module": lambda img: png(
        img.resize((img.width * 5 // 16, img.height * 5 // 16), Image.Resampling.BILINEAR)
    ),
    "gaussian_noise": lambda img: png(noise(img, 40)),
    "inverted_dark_mode": lambda img: png(img.point(lambda p: 255 - p)),
    "rotated_blurred_warped_jpeg": lambda img: jpeg(
        perspective(rotate(img, 20), 0.15).filter(ImageFilter.GaussianBlur(2)), 25
    ),
}


@pytest.mark.parametrize("name", DISTORTIONS)
def test_distorted_images_decode(name: str) -> None:
    assert identity_of(DISTORTIONS[name](rendered())).claims.name == LONG_NAME


def test_photo_of_a_phone_screen_decodes_from_a_jpeg_file(tmp_path: Path) -> None:
    path = tmp_path / "photo.jpg"
    path.write_bytes(jpeg(photo(rendered()), 60))
    identity = identity_of(path)
    assert identity.claims == CLAIMS and identity.kid == "svc"


def test_large_photo_is_scaled_down_first() -> None:
    big = photo(rendered(scale=6), size=(4000, 3000))
    assert identity_of(jpeg(big, 80)).claims.name == LONG_NAME


def test_presentation_qr_round_trips_through_an_image() -> None:
    text = (
        "eyJhbGciOiJFUzI1NiJ9."
        + "eyJ2Y3QiOiJ1cm46dm46d2FsbGV0In0" * 12
        + ".c2ln~WyJzYWx0IiwibmFtZSIsIkFuaCJd~"
    )
    payload = encode_presentation(text)
    decoded = decode_any(read_qr_image(png(rotate(rendered(payload, scale=5), 15))), keys=KEYS, now=NOW)
    assert decoded == Presentation(text)


def test_svg_and_png_files_carry_the_same_version(tmp_path: Path) -> None:
    assert render_svg(PAYLOAD, tmp_path / "id.svg") == render_png(PAYLOAD, tmp_path / "id.png") <= 10
    assert identity_of(tmp_path / "id.png").claims == CLAIMS


def test_transparent_png_is_read_on_white() -> None:
    grey = rendered()
    rgba = Image.new("RGBA", grey.size, (0, 0, 0, 0))
    rgba.putalpha(grey.point(lambda p: 255 - p))  # dark modules opaque black, the rest transparent
    assert identity_of(png(rgba)).claims.name == LONG_NAME


# --- clean failures ----------------------------------------------------------------------------


def _reason(data: bytes | Path) -> str:
    with pytest.raises(QrError) as caught:
        read_qr_image(data)
    return caught.value.reason


def test_image_without_a_code() -> None:
    scene = Image.new("L", (900, 700), 200)
    ImageDraw.Draw(scene).rectangle((100, 100, 500, 400), fill=40)
    assert _reason(png(scene)) == "no_code"
    assert _reason(jpeg(noise(Image.new("L", (600, 600), 128), 60), 70)) == "no_code"


def test_image_with_two_codes() -> None:
    other = encode_identity(SERVICE, CLAIMS, not_before=NOW + 120)
    left, right = rendered(), rendered(other)
    both = Image.new("L", (left.width + right.width + 80, left.height + 40), 255)
    both.paste(left, (20, 20))
    both.paste(right, (left.width + 60, 20))
    assert _reason(png(both)) == "multiple_codes"


def test_hopelessly_blurred_code_is_a_clear_error() -> None:
    assert _reason(png(rendered().filter(ImageFilter.GaussianBlur(9)))) in {"unreadable_code", "no_code"}


def test_files_that_are_not_images(tmp_path: Path) -> None:
    assert _reason(b"%PDF-1.7 not an image") == "unreadable_image"
    assert _reason(png(rendered())[:400]) == "unreadable_image"  # truncated PNG
    assert _reason(tmp_path / "missing.png") == "unreadable_image"
    assert _reason(b"") == "unreadable_image"


def test_a_header_claiming_a_huge_image_is_refused_before_decoding() -> None:
    small = png(Image.new("L", (1, 1), 255))
    ihdr = struct.pack(">II", 20_000, 20_000) + small[24:29]  # width, height, then depth … interlace
    chunk = b"IHDR" + ihdr
    bomb = small[:8] + struct.pack(">I", 13) + chunk + struct.pack(">I", zlib.crc32(chunk)) + small[33:]
    assert _reason(bomb) == "too_large"


def test_a_100_kb_payload_is_refused_cleanly() -> None:
    for attempt in (
        lambda: render_png(b"WP1\x00" + b"A" * 100_000, io.BytesIO()),
        lambda: encode_presentation("A" * 100_000),
        lambda: decode_any(b"WP1\x00" + b"A" * 100_000, keys=KEYS, now=NOW),
    ):
        with pytest.raises(QrError) as caught:
            attempt()
        assert caught.value.reason == "too_large"
