"""Regenerate identity.json and envelopes.json from the format in qr/format.md.

Built with cbor2, zlib and cryptography directly, NOT with the code under test,
so the vectors check ``qr`` against a second reading of the specification. Run
``.venv/bin/python tests/vectors/qr/make_vectors.py`` (signatures are random:
the file changes on every run, the expectations do not).
"""

from __future__ import annotations

import base64
import hashlib
import json
import unicodedata
import zlib
from pathlib import Path
from typing import Any

import cbor2
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, utils

HERE = Path(__file__).parent
CONTEXT = b"citizen-wallet identity QR\x00"
NOW = 1_767_225_630  # 2026-01-01T00:00:30Z
NBF = 1_767_225_600  # on the 120-second grid
NONCE = bytes(range(16))
NAME = "Nguyễn Thị Phương Thảo Hoàng Anh"
PACK_DICTIONARY = "".join(
    (
        '"place_of_birth","father_name","mother_name","registration_number","registration_date",',
        '"place_of_residence","date_of_expiry","place_of_origin","cccd_number","sex","Nam","Nữ",',
        '"Việt Nam","Hà Nội","Nguyễn ","Trần ","Lê ","Phạm ","Thị ","Văn ",',
        '"nationality","date_of_birth","full_name","',
        '{"alg":"ES256","typ":"kb+jwt"}{"iat":,"aud":"https://","nonce":"","sd_hash":"',
        '"}},"_sd":["","],"_sd_alg":"sha-256"}',
        '{"iss":"https://","vct":"urn:vn:wallet:vct:citizen-id:1","iat":,"exp":,',
        '"status":{"status_list":{"idx":,"uri":"https://',
        '"cnf":{"jwk":{"kty":"EC","crv":"P-256","x":"","y":"',
        '{"alg":"ES256","kid":"","typ":"dc+sd-jwt"}',
    )
).encode("utf-8")


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def jwk(key: ec.EllipticCurvePrivateKey) -> dict[str, str]:
    numbers = key.public_key().public_numbers()
    return {
        "kty": "EC",
        "crv": "P-256",
        "x": b64(numbers.x.to_bytes(32, "big")),
        "y": b64(numbers.y.to_bytes(32, "big")),
    }


def key_id(key: ec.EllipticCurvePrivateKey) -> bytes:
    members = jwk(key)
    canonical = json.dumps({k: members[k] for k in ("crv", "kty", "x", "y")}, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).digest()[:8]


def sign(key: ec.EllipticCurvePrivateKey, unsigned: bytes) -> bytes:
    r, s = utils.decode_dss_signature(key.sign(CONTEXT + unsigned, ec.ECDSA(hashes.SHA256())))
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def alphabet() -> list[str]:
    """qr/format.md, "Packed names": printable ASCII, then the Vietnamese vowels with a diacritic
    (vowel by vowel, tones in the order none, grave, hook, tilde, acute, dot below) and đ, then
    the same in upper case."""
    tones = ["", "\u0300", "\u0309", "\u0303", "\u0301", "\u0323"]
    lower = []
    for vowel in "aăâeêioôơuưy":
        for tone in tones:
            letter = unicodedata.normalize("NFC", vowel + tone)
            if ord(letter) > 127:
                lower.append(letter)
    lower.append("đ")
    return [chr(c) for c in range(32, 127)] + lower + [c.upper() for c in lower]


def pack(name: str) -> bytes:
    table = alphabet()
    return b"".join(bytes([table.index(c)]) if c in table else b"\xff" + c.encode() for c in name)


def identity(
    key: ec.EllipticCurvePrivateKey, claims: bytes, *, kid_of: Any = None, prefix: bytes = b"WI2"
) -> str:
    unsigned = prefix + key_id(kid_of or key) + claims
    return (unsigned + sign(key, unsigned)).hex()


DEFAULT: dict[int, Any] = {4: NBF + 120, 5: NBF, 7: NONCE, -1: pack(NAME), -2: 1990, -3: "2345", -4: 2}
DEFAULT_V1: dict[int, Any] = {**DEFAULT, -1: NAME}  # WI1: the name as UTF-8 text


def canonical(value: dict[int, Any]) -> bytes:
    return cbor2.dumps(value, canonical=True)


def with_raw_value(value: dict[int, Any], key: int, raw: bytes) -> bytes:
    """The deterministic map, except that ``key``'s value is the given (non-canonical) encoding."""
    entries = sorted((cbor2.dumps(k), raw if k == key else cbor2.dumps(v)) for k, v in value.items())
    return bytes([0xA0 + len(entries)]) + b"".join(k + v for k, v in entries)


def identity_vectors() -> dict[str, Any]:
    key = ec.derive_private_key(
        int.from_bytes(hashlib.sha256(b"qr vector key").digest(), "big"), ec.SECP256R1()
    )
    other = ec.derive_private_key(
        int.from_bytes(hashlib.sha256(b"qr other key").digest(), "big"), ec.SECP256R1()
    )
    default = DEFAULT
    everything = {**default, -5: "1990-05-17", -6: "001190012345"}
    valid = [
        (
            "default_disclosure",
            default,
            {"name": NAME, "birth_year": 1990, "cccd_last4": "2345", "status": "verified"},
        ),
        (
            "every_claim",
            everything,
            {
                "name": NAME,
                "birth_year": 1990,
                "cccd_last4": "2345",
                "status": "verified",
                "birth_date": "1990-05-17",
                "cccd": "001190012345",
            },
        ),
        ("nothing_disclosed", {4: NBF + 120, 5: NBF, 7: NONCE}, {}),
        ("self_asserted_status_only", {4: NBF + 120, 5: NBF, 7: NONCE, -4: 1}, {"status": "self-asserted"}),
    ]
    long_name = (
        "Công Tằng Tôn Nữ Thị Hoàng Ngọc Phương Thảo Nguyễn Trần Lê Phạm Huỳnh Vũ Võ Đặng Bùi Đỗ Hồ Ngô"
    )
    valid.append(
        (
            "hundred_letter_name",
            {**everything, -1: pack(long_name[:100])},
            {
                "name": long_name[:100],
                "birth_year": 1990,
                "cccd_last4": "2345",
                "status": "verified",
                "birth_date": "1990-05-17",
                "cccd": "001190012345",
            },
        )
    )
    good = identity(key, canonical(default))
    flipped_sig = bytes.fromhex(good)
    flipped_sig = flipped_sig[:-1] + bytes([flipped_sig[-1] ^ 1])
    flipped_name = bytearray.fromhex(good)
    flipped_name[40] ^= 0x01
    non_shortest = with_raw_value(default, -2, b"\x1a\x00\x00\x07\xc6")  # 1990 in 5 bytes, not 3
    nfd = unicodedata.normalize("NFD", NAME)
    invalid = [
        ("signature_bit_flipped", flipped_sig.hex(), "bad_signature"),
        ("name_byte_flipped", flipped_name.hex(), "bad_signature"),
        ("signed_by_other_key", identity(other, canonical(default)), "unknown_key"),
        ("other_key_claims_our_key_id", identity(other, canonical(default), kid_of=key), "bad_signature"),
        ("expired", identity(key, canonical({**default, 5: NBF - 600, 4: NBF - 480})), "expired"),
        ("not_yet_valid", identity(key, canonical({**default, 5: NBF + 240, 4: NBF + 360})), "not_yet_valid"),
        ("version_3", identity(key, canonical(default), prefix=b"WI3"), "unsupported_version"),
        ("v1_packed_name", identity(key, canonical(default), prefix=b"WI1"), "malformed"),
        ("v2_text_name", identity(key, canonical(DEFAULT_V1)), "malformed"),
        (
            "v1_over_version_10",
            identity(key, canonical({**DEFAULT_V1, -1: "A" * 60 + NAME}), prefix=b"WI1"),
            "too_large",
        ),
        (
            "code_past_the_alphabet",
            identity(key, canonical({**default, -1: pack("An") + b"\xe5"})),
            "malformed",
        ),
        ("needless_escape", identity(key, canonical({**default, -1: b"\xffA"})), "malformed"),
        ("escape_at_the_end", identity(key, canonical({**default, -1: pack("An") + b"\xff"})), "malformed"),
        ("foreign_prefix", identity(key, canonical(default), prefix=b"HC1"), "malformed"),
        ("truncated", good[:100], "malformed"),
        ("too_large", identity(key, canonical({**default, -1: b"\xff" + "𠀀".encode() * 70})), "too_large"),
        ("non_shortest_integer", identity(key, non_shortest), "malformed"),
        ("unknown_claim_key", identity(key, canonical({**default, -7: "x"})), "malformed"),
        ("lifetime_over_600s", identity(key, canonical({**default, 4: NBF + 3600})), "malformed"),
        ("empty_window", identity(key, canonical({**default, 4: NBF})), "malformed"),
        ("name_not_nfc", identity(key, canonical({**default, -1: pack(nfd)})), "malformed"),
        (
            "bidi_override_in_name",
            identity(key, canonical({**default, -1: pack("Nguyễn\u202eAnh")})),
            "malformed",
        ),
        ("unknown_status_code", identity(key, canonical({**default, -4: 3})), "malformed"),
        ("short_nonce", identity(key, canonical({**default, 7: NONCE[:8]})), "malformed"),
        (
            "missing_nonce",
            identity(key, canonical({k: v for k, v in default.items() if k != 7})),
            "malformed",
        ),
        ("text_birth_year", identity(key, canonical({**default, -2: "1990"})), "malformed"),
        ("last4_not_of_cccd", identity(key, canonical({**everything, -3: "9999"})), "malformed"),
        ("trailing_byte_after_map", identity(key, canonical(default) + b"\x00"), "malformed"),
        ("claims_not_a_map", identity(key, cbor2.dumps([1, 2, 3])), "malformed"),
    ]
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return {
        "_comment": "WI2 identity payloads (qr/format.md; valid_v1: WI1). With the trust list {kid: public_jwk} and now, "
        "verify_identity must return the claims of 'valid' (window [nbf, nbf+120), nonce 000102..0f) and "
        "raise QrError with the given reason for 'invalid'. Made by make_vectors.py with cbor2 and "
        "cryptography, not with qr.",
        "private_key_pem": pem.decode(),
        "public_jwk": jwk(key),
        "other_public_jwk": jwk(other),
        "kid": "wallet-service-2026",
        "key_id_hex": key_id(key).hex(),
        "now": NOW,
        "not_before": NBF,
        "expires": NBF + 120,
        "valid": [
            {"name": name, "payload_hex": identity(key, canonical(m)), "claims": claims}
            for name, m, claims in valid
        ],
        "valid_v1": [  # the first format (UTF-8 names), still read
            {
                "name": name,
                "payload_hex": identity(
                    key, canonical({**m, -1: claims["name"]} if -1 in m else m), prefix=b"WI1"
                ),
                "claims": claims,
            }
            for name, m, claims in valid
            if name != "hundred_letter_name"
        ],
        "invalid": [{"name": name, "payload_hex": hx, "reason": reason} for name, hx, reason in invalid],
    }


def deflate(data: bytes, dictionary: bytes = b"") -> bytes:
    c = (
        zlib.compressobj(9, zlib.DEFLATED, -15, zdict=dictionary)
        if dictionary
        else zlib.compressobj(9, zlib.DEFLATED, -15)
    )
    return c.compress(data) + c.flush()


def packed(value: object) -> str:
    return (b"WP1\x02" + deflate(cbor2.dumps(value), PACK_DICTIONARY)).hex()


def envelope_vectors() -> dict[str, Any]:
    jws = "eyJhbGciOiJFUzI1NiJ9." + b64(b'{"sub":"x"}') + "." + b64(bytes(64))
    sd_jwt = jws + "~" + b64(json.dumps(["salt", "full_name", NAME]).encode()) + "~~"
    runs = sd_jwt.replace("~", ".").split(".")
    text = "Giấy tờ: " + NAME
    bomb = deflate(b"A" * (17 * 1024))
    valid = [
        ("text_as_is", (b"WP1\x00" + text.encode()).hex(), "presentation", text),
        ("deflated_text", (b"WP1\x01" + deflate(text.encode() * 3)).hex(), "presentation", text * 3),
        (
            "packed_sd_jwt",
            packed(["..~~~", [base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)) for p in runs]]),
            "presentation",
            sd_jwt,
        ),
        (
            "reference_url",
            b"WR1https://wallet.example/v1/p/AbC123".hex(),
            "reference",
            "https://wallet.example/v1/p/AbC123",
        ),
        ("reference_code", b"WR1K7Q2-ZX9P".hex(), "reference", "K7Q2-ZX9P"),
    ]
    invalid = [
        ("unknown_flag", (b"WP1\x07" + text.encode()).hex(), "malformed"),
        ("empty_text", b"WP1\x00".hex(), "malformed"),
        ("bad_utf8", b"WP1\x00\xff\xfe".hex(), "malformed"),
        ("truncated_deflate", (b"WP1\x01" + deflate(text.encode())[:-3]).hex(), "malformed"),
        ("bytes_after_deflate", (b"WP1\x01" + deflate(text.encode()) + b"\x00").hex(), "malformed"),
        ("deflate_bomb", (b"WP1\x01" + bomb).hex(), "too_large"),
        ("packed_segment_not_bytes", packed(["", ["x"]]), "malformed"),
        ("packed_count_mismatch", packed([".", [b"a"]]), "malformed"),
        ("packed_bad_separator", packed(["/", [b"a", b"b"]]), "malformed"),
        ("presentation_version_9", (b"WP9\x00" + text.encode()).hex(), "unsupported_version"),
        ("reference_plain_http", b"WR1http://wallet.example/p/1".hex(), "malformed"),
        ("reference_with_space", b"WR1https://wallet.example/p 1".hex(), "malformed"),
        ("reference_short_code", b"WR1abc".hex(), "malformed"),
        ("unknown_kind", b"WX1hello".hex(), "malformed"),
        ("over_qr_capacity", (b"WP1\x00" + b"A" * 2950).hex(), "too_large"),
    ]
    return {
        "_comment": "WP1 presentation and WR1 reference payloads (qr/format.md). decode_any must return the "
        "given kind and text for 'valid' and raise QrError with the given reason for 'invalid'. Made by "
        "make_vectors.py with cbor2 and zlib, not with qr.",
        "valid": [{"name": n, "payload_hex": h, "kind": k, "text": t} for n, h, k, t in valid],
        "invalid": [{"name": n, "payload_hex": h, "reason": r} for n, h, r in invalid],
    }


def main() -> None:
    for name, vectors in (("identity.json", identity_vectors()), ("envelopes.json", envelope_vectors())):
        (HERE / name).write_text(json.dumps(vectors, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
