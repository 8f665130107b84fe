"""``wallet agency …`` and ``wallet trust …``: the operator's register of agencies and PDF roots."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
from pathlib import Path

import click
from cryptography import x509

import storage
from wallet_api.bootstrap import build_context
from wallet_api.errors import WalletError
from wallet_api.services.agencies import ROLES, AgencyService
from wallet_api.settings import Settings

_data_dir = click.option(
    "--data-dir",
    type=click.Path(path_type=Path),
    default=None,
    help="Thư mục dữ liệu / Data directory (WALLET_DATA_DIR).",
)


def _date(value: str) -> dt.datetime:
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"ngày không hợp lệ / not an ISO date: {value}") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def _service(data_dir: Path | None) -> AgencyService:
    return AgencyService(build_context(Settings.from_env(None, data_dir=data_dir)))


def _fail(exc: WalletError) -> click.ClickException:
    en = exc.params.get("reason_en") or exc.code
    vi = exc.params.get("reason_vi") or exc.code
    return click.ClickException(f"{vi} / {en}")


@click.group()
def agency() -> None:
    """Cơ quan đã đăng ký / Registered agencies."""


@agency.command("add")
@_data_dir
@click.option("--id", "agency_id", required=True, help="Mã cơ quan (chữ thường) / Agency id (slug).")
@click.option("--name", required=True, help="Tên hiển thị / Display name (Vietnamese, with diacritics).")
@click.option("--roles", required=True, help=f"Vai trò / Roles, comma-separated: {', '.join(ROLES)}.")
@click.option("--types", "doc_types", default="", help="Loại giấy tờ được cấp / Document types it may issue.")
@click.option(
    "--jwks",
    type=click.Path(exists=True, path_type=Path),
    required=True,
    help="Tệp JWKS công khai / Public JWKS file.",
)
@click.option("--valid-from", default=None, help="Hiệu lực từ / Valid from (ISO date; default now).")
@click.option("--valid-until", required=True, help="Hiệu lực đến / Valid until (ISO date).")
def add(
    data_dir: Path | None,
    agency_id: str,
    name: str,
    roles: str,
    doc_types: str,
    jwks: Path,
    valid_from: str | None,
    valid_until: str,
) -> None:
    """Đăng ký cơ quan / Register an agency."""
    service = _service(data_dir)
    start = _date(valid_from) if valid_from else service.ctx.utcnow().replace(microsecond=0)
    try:
        record = service.register(
            agency_id,
            name,
            [r.strip() for r in roles.split(",") if r.strip()],
            [t.strip() for t in doc_types.split(",") if t.strip()],
            json.loads(jwks.read_text("utf-8")),
            start,
            _date(valid_until),
        )
    except WalletError as exc:
        raise _fail(exc) from None
    except storage.Conflict:
        raise click.ClickException("Mã cơ quan đã tồn tại / Agency id already registered") from None
    click.echo(f"Đã đăng ký / Registered: {record.id} — {record.display_name} ({record.roles})")


@agency.command("succeed")
@_data_dir
@click.argument("old")
@click.argument("new")
@click.option("--at", default=None, help="Ngày giải thể / Dissolution date (ISO; default now).")
def succeed(data_dir: Path | None, old: str, new: str, at: str | None) -> None:
    """Ghi nhận sáp nhập: NEW kế nhiệm OLD / Record a merger: NEW succeeds OLD."""
    service = _service(data_dir)
    try:
        service.succeed(old, new, _date(at) if at else service.ctx.utcnow())
    except WalletError as exc:
        raise _fail(exc) from None
    click.echo(f"{new} kế nhiệm {old} / {new} succeeds {old}")


@agency.command("list")
@_data_dir
def list_agencies(data_dir: Path | None) -> None:
    """Danh sách cơ quan / List agencies."""
    for record in _service(data_dir).all():
        state = f" → {record.successor_id}" if record.successor_id else ""
        click.echo(f"{record.id}  {record.display_name}  [{record.roles}]  {record.doc_types}{state}")


def _der(raw: bytes) -> bytes:
    """DER bytes of a PEM or DER certificate file."""
    if b"-----BEGIN CERTIFICATE-----" not in raw:
        return raw
    body = raw.split(b"-----BEGIN CERTIFICATE-----", 1)[1].split(b"-----END CERTIFICATE-----", 1)[0]
    try:
        return base64.b64decode(b"".join(body.split()), validate=True)
    except binascii.Error:
        raise ValueError("bad PEM") from None


@click.group()
def trust() -> None:
    """Chứng thư gốc cho PDF ký số / Root certificates for signed PDFs."""


@trust.command("add-root")
@_data_dir
@click.argument("certificate", type=click.Path(exists=True, path_type=Path))
@click.option("--label", default="", help="Nhãn / Label.")
def add_root(data_dir: Path | None, certificate: Path, label: str) -> None:
    """Thêm chứng thư gốc / Add a root certificate (PEM or DER)."""
    raw = certificate.read_bytes()
    try:
        der = _der(raw)
        cert = x509.load_der_x509_certificate(der)
    except ValueError:
        raise click.ClickException("Không đọc được chứng thư / Not a certificate") from None
    body = base64.b64encode(der).decode()
    lines = "\n".join(body[i : i + 64] for i in range(0, len(body), 64))
    pem = f"-----BEGIN CERTIFICATE-----\n{lines}\n-----END CERTIFICATE-----\n"
    fingerprint = hashlib.sha256(der).hexdigest()
    ctx = build_context(Settings.from_env(None, data_dir=data_dir))
    record = storage.TrustRootRecord(fingerprint, label or cert.subject.rfc4514_string(), pem, ctx.utcnow())
    try:
        with ctx.metadata.unit_of_work() as uow:
            uow.trust_roots.add(record)
            uow.commit()
    except storage.Conflict:
        raise click.ClickException("Chứng thư đã có / Root already added") from None
    click.echo(f"Đã thêm / Added: {record.label} sha256={fingerprint}")
