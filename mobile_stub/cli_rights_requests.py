"""``wallet-mobile rights deletion request|list`` and ``rights correction request|list``: ask an
agency to delete what it received, or to correct a credential, and follow the answers.

A deletion attestation is checked here, on the phone: an ES256 JWS whose ``kid`` names a key of the
agency in the service-signed trust list, about this very request. What fails is shown as not
verified, never as deleted. One that verifies is kept on the device as a receipt
(``deletion-receipts/<request id>.jws``), so the proof outlives the account and the server.
"""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path
from typing import Any

import click

import crypto
from crypto.transparency import VIETNAM
from mobile_stub._env import CliEnv, pass_env
from mobile_stub._text import bilingual, nfc
from mobile_stub.device import write_private
from qr.trust import TrustError, keys_of, load_trust_list

ATTESTATION_TYP = "deletion-attestation+jwt"
STATUS_WORDS = {
    "open": ("đang chờ trả lời", "waiting for an answer"),
    "overdue": ("QUÁ HẠN, đã báo đơn vị vận hành", "OVERDUE, escalated to the operator"),
    "answered": ("đã trả lời", "answered"),
    "refused": ("bị từ chối", "refused"),
}


def _when(raw: object) -> str:
    try:
        at = dt.datetime.fromisoformat(str(raw)).astimezone(VIETNAM)
    except ValueError:
        return str(raw)
    return f"{at:%H:%M} {at:%d/%m/%Y}"


def check_attestation(
    item: dict[str, Any], agency_keys: dict[str, crypto.EcPublicKey]
) -> dict[str, Any] | None:
    """The attestation's claims if it verifies with the agency's key and names this request, else None."""
    token = item.get("attestation")
    if not isinstance(token, str):
        return None
    try:
        key = agency_keys.get(str(crypto.unverified_header(token).get("kid", "")))
        if key is None:
            return None
        claims = crypto.verify_jws(token, key, typ=ATTESTATION_TYP)
    except crypto.CryptoError:
        return None
    same = (claims.get("request_id"), claims.get("consent_id"), claims.get("iss")) == (
        item.get("id"),
        item.get("consent_id"),
        item.get("agency_id"),
    )
    return claims if same else None


def _keep(home: Path, item: dict[str, Any]) -> None:
    """Keep a verified attestation as a receipt (named by the request id, checked to be a UUID)."""
    try:
        name = str(uuid.UUID(str(item["id"])))
    except ValueError:
        return
    write_private(home / "deletion-receipts" / f"{name}.jws", str(item["attestation"]).encode())


def _status(item: dict[str, Any]) -> str:
    vi, en = STATUS_WORDS.get(str(item.get("status")), (str(item.get("status")),) * 2)
    return f"{vi} / {en}"


@click.group("rights")
def rights() -> None:
    """Yêu cầu xoá và sửa dữ liệu / Ask agencies to delete or correct your data."""


@rights.group("deletion")
def deletion() -> None:
    """Yêu cầu cơ quan xoá dữ liệu đã nhận / Ask an agency to delete data it received."""


@deletion.command("request")
@click.argument("consent_id")
@click.option("--note", default=None, help="Ghi chú / A note for the agency")
@pass_env
def deletion_request(env: CliEnv, consent_id: str, note: str | None) -> None:
    """Yêu cầu xoá dữ liệu đã nhận theo sự đồng ý này / Ask for deletion of what this consent let through."""
    with env.client() as client:
        item = client.request_deletion(consent_id, note)
    click.echo(
        nfc(
            f"Đã gửi yêu cầu xoá tới {item['agency_name']} / Deletion asked of {item['agency_name']}: "
            f"{item['id']}"
        )
    )
    click.echo(nfc(f"  Hạn trả lời / Answer due: {_when(item.get('due_at'))}"))


@deletion.command("list")
@pass_env
def deletion_list(env: CliEnv) -> None:
    """Các yêu cầu xoá và câu trả lời (đã kiểm tra chữ ký) / Your deletion requests and answers
    (signatures checked)."""
    with env.client() as client:
        home = client.device.home
        items = client.deletion_requests()
        agencies: dict[str, dict[str, crypto.EcPublicKey]] = {}
        if any(i.get("attestation") for i in items):
            try:
                store = load_trust_list(client.trust_list(), keys_of(client.service_jwks()))
                agencies = {a.id: a.keys for a in store.agencies.values()}
            except TrustError:
                agencies = {}
    if not items:
        click.echo(bilingual("Chưa có yêu cầu xoá nào", "No deletion requests"))
    for item in items:
        auto = (
            "  (ví tự hỏi: hết hạn lưu giữ / asked by the wallet: retention passed)"
            if item.get("origin") == "retention"
            else ""
        )
        click.echo(nfc(f"{item['id']}  {item['agency_name']}  {_status(item)}{auto}"))
        click.echo(
            nfc(
                f"    sự đồng ý / consent {item.get('consent_id')}, "
                f"thủ tục / procedure {item.get('procedure_code')}, "
                f"hạn / due {_when(item.get('due_at'))}"
            )
        )
        if item.get("refusal"):
            click.echo(nfc(f"    Căn cứ pháp lý / Legal basis: {item['refusal']}"))
        if item.get("attestation"):
            claims = check_attestation(item, agencies.get(str(item.get("agency_id")), {}))
            if claims is None:
                click.echo("    ✗ Xác nhận xoá KHÔNG kiểm chứng được / Deletion attestation does NOT verify")
            else:
                _keep(home, item)
                copies = ", ".join(str(c) for c in claims.get("copies", []))
                when = dt.datetime.fromtimestamp(int(claims["deleted_at"]), tz=dt.UTC).isoformat()
                click.echo(
                    nfc(f"    ✓ Đã xoá (chữ ký hợp lệ) / Deleted (signature valid): {claims.get('what')}")
                )
                click.echo(nfc(f"      lúc / at {_when(when)}; các bản sao / copies: {copies}"))


@rights.group("correction")
def correction() -> None:
    """Yêu cầu sửa thông tin trong giấy tờ / Ask an issuer to correct a credential."""


@correction.command("request")
@click.argument("credential_id")
@click.option("--claim", required=True, help="Thông tin sai / The wrong claim (e.g. place_of_birth)")
@click.option("--value", "proposed", required=True, help="Thông tin đúng / What is right")
@click.option("--note", default=None, help="Ghi chú / A note for the issuer")
@pass_env
def correction_request(env: CliEnv, credential_id: str, claim: str, proposed: str, note: str | None) -> None:
    """Yêu cầu sửa một thông tin / Dispute one claim of a credential."""
    with env.client() as client:
        item = client.request_correction(credential_id, claim, proposed, note)
    click.echo(
        nfc(
            f"Đã gửi yêu cầu sửa tới {item['agency_name']} / Correction asked of {item['agency_name']}: "
            f"{item['id']}"
        )
    )
    click.echo(nfc(f"  Hạn trả lời / Answer due: {_when(item.get('due_at'))}"))


@correction.command("list")
@pass_env
def correction_list(env: CliEnv) -> None:
    """Các yêu cầu sửa và câu trả lời / Your correction requests and answers."""
    with env.client() as client:
        items = client.corrections()
    if not items:
        click.echo(bilingual("Chưa có yêu cầu sửa nào", "No correction requests"))
    for item in items:
        click.echo(nfc(f"{item['id']}  {item['agency_name']}  {_status(item)}"))
        click.echo(
            nfc(
                f"    {item.get('claim')} → {item.get('proposed')}  "
                f"(giấy tờ / credential {item.get('credential_id')})"
            )
        )
        if item.get("reissued_credential_id"):
            click.echo(
                nfc(
                    f"    Đã cấp lại / Re-issued: {item['reissued_credential_id']} "
                    "(bản cũ đã thu hồi / old one revoked)"
                )
            )
        if item.get("refusal"):
            click.echo(nfc(f"    Lý do / Reason: {item['refusal']}"))
