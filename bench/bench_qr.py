"""QR benchmark: payload sizes and QR versions, offline verification rate, render and decode times.

Run with ``PYTHONPATH=. .venv/bin/python -m bench.bench_qr``. The verification
rate is printed as a ratio against a bare ES256 verification with
``cryptography`` measured in the same run, in alternating bursts (aim: >= 0.8);
nothing here asserts times.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import io
import json
import secrets
import statistics
import time
import zlib
from collections.abc import Callable
from typing import Any

import cbor2
import qrcode
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, utils
from PIL import Image, ImageChops, ImageDraw, ImageFilter
from qrcode.util import MODE_ALPHA_NUM, QRData

import crypto
import qr

NOW = 1_767_225_600
LONG_NAME = "Nguyễn Thị Phương Thảo Hoàng Anh"
B45 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"


def best_rate(operation: Callable[[], object], *, seconds: float, rounds: int = 5) -> float:
    """Operations per second: the best of ``rounds`` timed loops of about ``seconds / rounds`` each."""
    best = 0.0
    for _ in range(rounds):
        count, start = 0, time.perf_counter()
        deadline = start + seconds / rounds
        while time.perf_counter() < deadline:
            for _ in range(50):
                operation()
            count += 50
        best = max(best, count / (time.perf_counter() - start))
    return best


def best_time(operation: Callable[[], object], repeat: int = 7) -> float:
    """Best seconds of one call over ``repeat`` calls."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        operation()
        best = min(best, time.perf_counter() - start)
    return best


# --- sizes -------------------------------------------------------------------------------------


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def base45(data: bytes) -> str:
    out = []
    for i in range(0, len(data) - 1, 2):
        n = data[i] * 256 + data[i + 1]
        out += [B45[n % 45], B45[n // 45 % 45], B45[n // 2025]]
    if len(data) % 2:
        out += [B45[data[-1] % 45], B45[data[-1] // 45]]
    return "".join(out)


def alnum_version(text: str) -> int:
    """Smallest version holding ``text`` in alphanumeric mode at level M (qrcode decides)."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(QRData(text, mode=MODE_ALPHA_NUM))
    return int(code.best_fit())


def candidate_formats(key: ec.EllipticCurvePrivateKey) -> list[tuple[str, bytes | str]]:
    """The identity payload designs compared before choosing ``WI1``; text goes in alphanumeric mode."""

    def raw_sig(message: bytes) -> bytes:
        r, s = utils.decode_dss_signature(key.sign(message, ec.ECDSA(hashes.SHA256())))
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")

    nonce, kid = secrets.token_bytes(16), crypto.jwk_thumbprint(crypto.public_jwk(key))
    kid8 = base64.urlsafe_b64decode(kid + "=")[:8]
    disclosed = {"name": LONG_NAME, "birth_year": 1990, "cccd_last4": "2345", "status": "verified"}
    named = {**disclosed, "nbf": NOW, "exp": NOW + 120, "nonce": b64(nonce)}
    string_keyed = cbor2.dumps({**named, "nonce": nonce})
    protected = cbor2.dumps({1: -7, 4: kid.encode()})
    cose = cbor2.dumps(cbor2.CBORTag(18, [protected, {}, string_keyed, raw_sig(string_keyed)]))
    claims = cbor2.dumps(
        {4: NOW + 120, 5: NOW, 7: nonce, -1: LONG_NAME, -2: 1990, -3: "2345", -4: 2}, canonical=True
    )
    cose_bare = b"WI1" + cbor2.dumps([b"", {4: kid8}, claims, raw_sig(claims)])
    chosen = qr.encode_identity(key, qr.IdentityClaims(LONG_NAME, 1990, "2345", "verified"), not_before=NOW)
    return [
        (
            "compact JWS, JSON claims, 43-char kid",
            crypto.sign_jws(key, named, typ="wallet-id+jwt", kid=kid).encode(),
        ),
        ("compact JWS, 8-byte kid, short typ", crypto.sign_jws(key, named, typ="wi", kid=b64(kid8)).encode()),
        ("COSE_Sign1 string keys + zlib + Base45 (alnum)", "HC1:" + base45(zlib.compress(cose, 9))),
        ("COSE_Sign1 string keys, raw bytes", cose),
        (
            "COSE_Sign1 int keys, protected {1:-7}, kid8",
            cbor2.dumps([cbor2.dumps({1: -7}), {4: kid8}, claims, raw_sig(claims)]),
        ),
        ("WI1 + COSE_Sign1, empty protected, int keys", cose_bare),
        ("WI1 + Base45(COSE_Sign1) (alnum)", "WI1" + base45(cose_bare[3:])),
        ("WI1 positional framing (chosen)", chosen),
        ("WI1 positional, Base45 (alnum)", "WI1" + base45(chosen[3:])),
    ]


def sd_jwt_presentation() -> tuple[str, str]:
    """An SD-JWT VC presentation with 3 disclosures + key binding, and where it came from."""
    issuer, device = crypto.generate_private_key(), crypto.generate_private_key()
    claims = {
        "cccd_number": "001190012345",
        "full_name": LONG_NAME,
        "date_of_birth": "1990-05-17",
        "sex": "Nữ",
        "nationality": "Việt Nam",
        "place_of_origin": "Hà Nội",
        "place_of_residence": "Số 12 phố Hàng Bài, phường Hoàn Kiếm, Hà Nội",
        "date_of_expiry": "2035-05-17",
    }
    try:
        from crypto import issue_sd_jwt_vc, present  # here: crypto.sdjwt is being written in parallel

        issued = issue_sd_jwt_vc(
            issuer, kid="bca-2026", iss="https://wallet.gov.vn", vct="urn:vn:wallet:vct:citizen-id:1",
            claims=claims, holder_jwk=crypto.public_jwk(device), now=NOW, lifetime=10 * 365 * 86_400,
            status={"status_list": {"idx": 4242, "uri": "https://wallet.gov.vn/v1/status-lists/1"}},
        )  # fmt: skip
        text = present(
            issued.sd_jwt, disclose=["full_name", "date_of_birth", "nationality"], holder_key=device,
            nonce=b64(secrets.token_bytes(16)), audience="https://verifier.example/counter-7", now=NOW + 60,
        )  # fmt: skip
        return text, "crypto.sdjwt (issue_sd_jwt_vc + present)"
    except (ImportError, TypeError, crypto.CryptoError):
        return standin_presentation(issuer, device), "stand-in built here (crypto.sdjwt unavailable)"


def standin_presentation(issuer: Any, device: Any, digests: int = 3) -> str:
    """A small SD-JWT-shaped stand-in: 3 digests (no decoys), 3 disclosures, key binding."""
    pairs = [("full_name", LONG_NAME), ("date_of_birth", "1990-05-17"), ("nationality", "Việt Nam")]
    disclosures = [b64(json.dumps([b64(secrets.token_bytes(16)), k, v]).encode()) for k, v in pairs]
    payload = {"iss": "https://wallet.gov.vn", "iat": NOW, "vct": "urn:vn:wallet:vct:citizen-id:1"}
    payload |= {"_sd": [b64(secrets.token_bytes(32)) for _ in range(digests)], "_sd_alg": "sha-256"}
    head = crypto.sign_jws(issuer, payload, typ="dc+sd-jwt") + "~" + "~".join(disclosures) + "~"
    kb = {"iat": NOW + 60, "aud": "https://verifier.example", "nonce": b64(secrets.token_bytes(12))}
    return head + crypto.sign_jws(device, {**kb, "sd_hash": b64(secrets.token_bytes(32))}, typ="kb+jwt")


def print_sizes(key: ec.EllipticCurvePrivateKey) -> None:
    print("Identity payload candidates (long Vietnamese name, default disclosure), level M:")
    for name, payload in candidate_formats(key):
        version = alnum_version(payload) if isinstance(payload, str) else qr.qr_version(payload)
        print(f"  {name:50s} {len(payload):4d} B/chars  version {version}")
    everything = qr.disclose(
        full_name=LONG_NAME, date_of_birth="1990-05-17", cccd="001190012345", status="verified",
        fields=qr.DISCLOSABLE,
    )  # fmt: skip
    payload = qr.encode_identity(key, everything, not_before=NOW)
    print(f"  WI2 with every claim disclosed: {len(payload)} B, version {qr.qr_version(payload)}")
    print_name_lengths(key)
    text, origin = sd_jwt_presentation()
    small = standin_presentation(crypto.generate_private_key(), crypto.generate_private_key())
    print("Presentation payloads (SD-JWT VC, 3 disclosures + key binding):")
    for label, presentation in ((origin, text), ("minimal stand-in, no cnf/status/decoys", small)):
        packed = qr.encode_presentation(presentation, max_version=40)
        raw = b"WP1\x00" + presentation.encode()
        print(
            f"  {label}: {len(presentation)} chars -> {len(packed)} B (flag {packed[3]}), "
            f"version {qr.qr_version(packed)} (as plain text: version {qr.qr_version(raw)})"
        )


NAMES = (  # long names as Vietnamese families write them (royal-clan and compound names)
    "Công Tằng Tôn Nữ Thị Hoàng Ngọc Phương Thảo Nguyễn Trần Lê Phạm Huỳnh Vũ Võ Đặng Bùi Đỗ Hồ Ngô "
    "Dương Lý Trịnh Đinh Mai"
)
GOALS = {20: 10, 50: 10, 82: 13, 100: 13}


def print_name_lengths(key: ec.EllipticCurvePrivateKey) -> None:
    """The identity QR version for names of 20, 50, 82 and 100 letters (goal: <= 10 up to 50, <= 13)."""
    print("Identity QR version by name length (WI2, level M; default / every claim disclosed):")
    for length, goal in GOALS.items():
        name = NAMES[:length].rstrip() or NAMES[:length]
        versions = []
        for fields in (qr.DEFAULT_DISCLOSURE, qr.DISCLOSABLE):
            claims = qr.disclose(
                full_name=name,
                date_of_birth="1990-05-17",
                cccd="001190012345",
                status="verified",
                fields=fields,
            )
            versions.append(qr.qr_version(qr.encode_identity(key, claims, not_before=NOW)))
        worst = qr.encode_identity(
            key,
            qr.disclose(
                full_name="Ễ" * length, date_of_birth="1990-05-17", cccd="001190012345",
                status="verified", fields=qr.DISCLOSABLE,
            ),
            not_before=NOW,
        )  # fmt: skip
        print(
            f"  {length:3d} letters: version {versions[0]} / {versions[1]}; every letter with two marks: "
            f"{qr.qr_version(worst)}  (goal <= {goal})"
        )


# --- speed -------------------------------------------------------------------------------------


def paired_rates(
    baseline: Callable[[], object], candidate: Callable[[], object], *, seconds: float, rounds: int = 16
) -> tuple[float, float, float]:
    """Best rates of both and the median of per-round ratios (candidate / baseline).

    Short bursts alternate (and swap order each round), so a change in machine
    load between them hits both alike; the median ignores rounds it did not.
    """
    ratios, best_base, best_cand = [], 0.0, 0.0
    for index in range(rounds):
        pair = (baseline, candidate) if index % 2 == 0 else (candidate, baseline)
        rates = {id(op): best_rate(op, seconds=seconds / rounds / 2, rounds=1) for op in pair}
        base, cand = rates[id(baseline)], rates[id(candidate)]
        ratios.append(cand / base)
        best_base, best_cand = max(best_base, base), max(best_cand, cand)
    return best_base, best_cand, statistics.median(ratios)


def verification(key: ec.EllipticCurvePrivateKey, seconds: float) -> None:
    claims = qr.disclose(
        full_name=LONG_NAME, date_of_birth="1990-05-17", cccd="001190012345", status="verified"
    )
    payload = qr.encode_identity(key, claims, not_before=NOW)
    keys = qr.QrKeySet({"svc": key.public_key()})
    public = key.public_key()
    message = b"citizen-wallet identity QR\x00" + payload[:-64]
    r, s = int.from_bytes(payload[-64:-32], "big"), int.from_bytes(payload[-32:], "big")
    der, algorithm = utils.encode_dss_signature(r, s), ec.ECDSA(hashes.SHA256())

    def bare() -> None:
        public.verify(der, message, algorithm)

    def ours() -> None:
        qr.verify_identity(payload, keys, now=NOW + 30)

    def with_dict() -> None:
        qr.verify_identity(payload, {"svc": public}, now=NOW + 30)

    bare_rate, ours_rate, ratio = paired_rates(bare, ours, seconds=seconds)
    _, dict_rate, dict_ratio = paired_rates(bare, with_dict, seconds=seconds / 3, rounds=6)
    print("Offline verification of an identity payload (image decoding excluded):")
    print(f"  bare ES256 verify (cryptography):   {bare_rate:9.0f} ops/s")
    print(f"  qr.verify_identity with QrKeySet:   {ours_rate:9.0f} ops/s   ratio {ratio:.2f} (aim >= 0.8)")
    print(f"  qr.verify_identity with a dict:     {dict_rate:9.0f} ops/s   ratio {dict_ratio:.2f}")
    batch = best_time(lambda: qr.issue_identity_batch(key, claims, now=NOW), repeat=3)
    print(f"  signing a 24-hour batch of 720 tokens: {batch * 1000:.0f} ms")


def photo_jpeg(payload: bytes) -> bytes:
    """The code on a phone screen on a grey desk, rotated, keystoned, blurred, grainy, JPEG quality 60."""
    out = io.BytesIO()
    qr.render_png(payload, out, scale=8)
    code = Image.open(io.BytesIO(out.getvalue())).convert("L")
    scene = Image.new("L", (2000, 1500), 118)
    draw = ImageDraw.Draw(scene)
    draw.rounded_rectangle((600, 120, 1400, 1380), radius=60, fill=22)
    draw.rectangle((650, 230, 1350, 1270), fill=232)
    scene.paste(code.resize((600, 600)).point(lambda p: 232 if p > 128 else 38), (700, 420))
    scene = scene.rotate(12, Image.Resampling.BICUBIC, expand=True, fillcolor=118)
    w, h = scene.size
    scene = scene.transform((w, h), Image.Transform.QUAD, (60, 0, 0, h, w, h, w - 30, 40), fillcolor=118)
    scene = scene.filter(ImageFilter.GaussianBlur(1.6))
    grain = Image.effect_noise((w, h), 12).point(lambda p: p - 128 + 128)
    scene = ImageChops.add(scene, grain, scale=1.0, offset=-128)
    out = io.BytesIO()
    scene.save(out, format="JPEG", quality=60)
    return out.getvalue()


def render_and_decode(key: ec.EllipticCurvePrivateKey) -> None:
    claims = qr.disclose(
        full_name=LONG_NAME, date_of_birth="1990-05-17", cccd="001190012345", status="verified"
    )
    payload = qr.encode_identity(key, claims, not_before=NOW)
    png = best_time(lambda: qr.render_png(payload, io.BytesIO()))
    svg = best_time(lambda: qr.render_svg(payload, io.BytesIO()))
    terminal = best_time(lambda: qr.render_terminal(payload))
    print(f"Rendering the identity QR (version {qr.qr_version(payload)}, level M):")
    print(
        f"  PNG {png * 1000:.1f} ms, SVG {svg * 1000:.1f} ms, terminal half-blocks {terminal * 1000:.1f} ms"
    )
    photo = photo_jpeg(payload)
    assert qr.read_qr_image(photo) == payload
    clean = io.BytesIO()
    qr.render_png(payload, clean)
    empty = io.BytesIO()
    Image.new("L", (2000, 1500), 118).save(empty, format="JPEG")
    print("Decoding with zxing-cpp (qr.read_qr_image):")
    for label, data in (
        ("clean PNG screenshot", clean.getvalue()),
        (f"photo-like JPEG, 2.2 MP, {len(photo) // 1024} KiB", photo),
        ("JPEG with no code (every pass runs)", empty.getvalue()),
    ):
        print(f"  {label:42s} {best_time(lambda data=data: _no_code(data)) * 1000:6.1f} ms")


def _no_code(data: bytes) -> None:
    with contextlib.suppress(qr.QrError):
        qr.read_qr_image(data)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=6.0, help="time spent measuring verification")
    args = parser.parse_args()
    key = crypto.generate_private_key()
    print_sizes(key)
    verification(key, args.seconds)
    render_and_decode(key)


if __name__ == "__main__":
    main()
