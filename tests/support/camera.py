"""A fake camera for Chromium: a Y4M video whose frames show a QR code image."""

from __future__ import annotations

from pathlib import Path

from PIL import Image

WIDTH, HEIGHT = 640, 480


def qr_frame(image: Path, size: int = 360) -> Image.Image:
    """One camera frame: ``image`` scaled to ``size`` pixels (nearest neighbour), centred on grey."""
    code = Image.open(image).convert("L").resize((size, size), Image.Resampling.NEAREST)
    screen = Image.new("L", (WIDTH, HEIGHT), 200)
    screen.paste(code, ((WIDTH - size) // 2, (HEIGHT - size) // 2))
    return screen


def qr_video(image: Path, target: Path, *, frames: int = 30, size: int = 360) -> Path:
    """Write ``target`` (YUV4MPEG2, 4:2:0) showing ``image`` centred on a grey screen, ``frames`` times."""
    luma = qr_frame(image, size).tobytes()
    chroma = bytes([128]) * (WIDTH // 2 * HEIGHT // 2)
    with target.open("wb") as video:
        video.write(f"YUV4MPEG2 W{WIDTH} H{HEIGHT} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            video.write(b"FRAME\n" + luma + chroma + chroma)
    return target
