"""``wallet-verify``: check credentials, presentations, signed PDFs and QR codes offline.

``sync`` fetches the service JWKS (pinned on first use, or given with ``--pin``),
the signed trust list and every status list, checks them and caches them;
every other command works with no network at all.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import sys
import time
from pathlib import Path
from typing import Any

import click
import httpx

import crypto
from qr.display import shown_fields
from qr.errors import QrError
from qr.offline import Verdict, message, verify_credential, verify_pdf
from qr.trust import TrustCache, TrustError, TrustStore, add_status_list, keys_of, load_trust_list
from qr.verify import Identity, Presentation, QrKeySet, Reference, decode_any

_DEFAULT_CACHE = Path.home() / ".wallet-verify"
VIETNAM = dt.timezone(dt.timedelta(hours=7), "ICT")


@click.group()
@click.option(
    "--cache",
    type=click.Path(path_type=Path),
    default=_DEFAULT_CACHE,
    envvar="WALLET_VERIFY_CACHE",
    help="Thư mục bộ đệm tin cậy / Trust cache directory.",
)
@click.option("--lang", type=click.Choice(["vi", "en"]), default="vi")
@click.option("--at", type=int, default=None, hidden=True, help="Check at this Unix time (audits, tests).")
@click.pass_context
def main(ctx: click.Context, cache: Path, lang: str, at: int | None) -> None:
    """Kiểm tra giấy tờ và mã QR ngoại tuyến / Verify credentials and QR codes offline."""
    ctx.obj = {"cache": TrustCache(cache), "lang": lang, "at": at}


def _now(obj: dict[str, Any]) -> int:
    return int(obj["at"] if obj["at"] is not None else time.time())


def _store(obj: dict[str, Any]) -> TrustStore:
    """The cached trust store; status lists past their ``ttl`` are refreshed first when online."""
    cache: TrustCache = obj["cache"]
    try:
        store: TrustStore = cache.load()
    except TrustError as exc:
        raise click.ClickException(
            f"Bộ đệm tin cậy không dùng được ({exc.reason}): chạy `wallet-verify sync` / "
            f"Trust cache unusable ({exc.reason}): run `wallet-verify sync`"
        ) from None
    server = cache.server()
    if server and store.stale_status_lists(_now(obj)):
        # Online: refresh. Offline: go on, and the verdict says how old the status is.
        with contextlib.suppress(httpx.HTTPError, TrustError, ValueError):
            store, _ = _fetch(cache, server, None, timeout=5)
    return store


def _fetch(cache: TrustCache, base: str, pin: Path | None, *, timeout: float) -> tuple[TrustStore, int]:
    """Fetch, check and cache the JWKS, trust list and status lists; the store and the lists' count."""
    with httpx.Client(timeout=timeout) as http:
        jwks = json.loads(pin.read_text()) if pin else http.get(base + "/.well-known/jwks.json").json()
        pinned = cache.pinned() or keys_of(jwks)
        trust_list = http.get(base + "/v1/trust-list").text
        store = load_trust_list(trust_list, pinned)
        lists = {}
        for agency in store.agencies.values():
            response = http.get(f"{base}/v1/status-lists/{agency.id}")
            if response.status_code == 200:
                add_status_list(store, response.text)
                lists[f"{base}/v1/status-lists/{agency.id}"] = response.text
    cache.save(
        {"keys": [{**crypto.public_jwk(k), "kid": kid} for kid, k in store.service_keys.items()]},
        trust_list,
        lists,
        server=base,
    )
    return store, len(lists)


@main.command()
@click.option("--server", required=True, help="Máy chủ ví / Wallet server URL.")
@click.option(
    "--pin",
    type=click.Path(exists=True, path_type=Path),
    default=None,
    help="JWKS của dịch vụ đã biết trước / Service JWKS known out of band.",
)
@click.pass_obj
def sync(obj: dict[str, Any], server: str, pin: Path | None) -> None:
    """Tải và kiểm tra danh sách tin cậy / Fetch and check the trust list and status lists."""
    try:
        store, lists = _fetch(obj["cache"], server.rstrip("/"), pin, timeout=30)
    except TrustError as exc:
        raise click.ClickException(
            f"Danh sách tin cậy bị từ chối / Trust list refused: {exc.reason}"
        ) from None
    click.echo(
        f"Đã đồng bộ / Synced: {len(store.agencies)} cơ quan / agencies, {lists} danh sách trạng thái"
        f" / status lists"
    )


def _report(verdict: Verdict, lang: str, store: TrustStore | None = None) -> None:
    if verdict.valid:
        click.echo(f"✔ {message('ok', 'vi')} / {message('ok', 'en')}")
    else:
        click.echo("✘ " + "; ".join(f"{message(r, 'vi')} / {message(r, 'en')}" for r in verdict.reasons))
    if verdict.status_as_of is not None:
        at = dt.datetime.fromtimestamp(verdict.status_as_of, tz=VIETNAM)
        click.echo(
            f"  Trạng thái cập nhật lúc {at:%H:%M} ngày {at:%d/%m/%Y} (ngoại tuyến) / "
            f"Status as of {at:%Y-%m-%d %H:%M} Vietnam time (offline)"
        )
    if verdict.mandate is not None:  # a delegate presented it (qr.mandate): said plainly, vi then en
        vi, en = verdict.mandate.words()
        click.echo(f"  {vi}\n  {en}")
    if verdict.issuer_name:
        click.echo(f"  {'Issuer' if lang == 'en' else 'Cơ quan cấp'}: {verdict.issuer_name}")
    doc_type = store.types.get(verdict.doc_type) if store and verdict.doc_type else None
    if doc_type:
        name = doc_type.name_en if lang == "en" else doc_type.name_vi
        click.echo(f"  {'Document' if lang == 'en' else 'Giấy tờ'}: {name}")
    for shown in shown_fields(verdict.claims, kind=verdict.kind, doc_type=doc_type):
        label, value = (shown.label_en, shown.value_en) if lang == "en" else (shown.label_vi, shown.value_vi)
        click.echo(f"  {label}: {value}")
    if not verdict.valid:
        sys.exit(1)


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--nonce", default=None, help="Mã kiểm tra (bản trình bày) / Your nonce (presentations).")
@click.option("--audience", default=None, help="Định danh bên kiểm tra / Your audience identifier.")
@click.pass_obj
def credential(obj: dict[str, Any], file: Path, nonce: str | None, audience: str | None) -> None:
    """Kiểm tra giấy tờ SD-JWT hoặc bản trình bày / Check an SD-JWT VC or a presentation."""
    store = _store(obj)
    verdict = verify_credential(
        store, file.read_text().strip(), now=_now(obj), nonce=nonce, audience=audience
    )
    _report(verdict, obj["lang"], store)


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_obj
def pdf(obj: dict[str, Any], file: Path) -> None:
    """Kiểm tra PDF ký số / Check a signed PDF."""
    _report(verify_pdf(_store(obj), file.read_bytes(), now=_now(obj)), obj["lang"])


@main.command()
@click.argument("image", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--nonce", default=None, help="Mã kiểm tra / Your nonce (presentation QR).")
@click.option("--audience", default=None, help="Định danh bên kiểm tra / Your audience identifier.")
@click.pass_obj
def scan(obj: dict[str, Any], image: Path, nonce: str | None, audience: str | None) -> None:
    """Quét ảnh mã QR và kiểm tra / Scan a QR image (PNG or JPEG) and check it offline."""
    from qr.decode import read_qr_image

    store, now = _store(obj), _now(obj)
    verdict = Verdict(valid=True, kind="qr")
    try:
        decoded = decode_any(read_qr_image(image), keys=QrKeySet(store.service_keys), now=now)
    except QrError as exc:
        _report(verdict.refuse(exc.reason), obj["lang"])
        return
    if isinstance(decoded, Identity):
        verdict.kind = "identity"
        verdict.claims = dict(decoded.claims.disclosed())
    elif isinstance(decoded, Presentation):
        if nonce is None:
            raise click.ClickException("Cần --nonce và --audience / --nonce and --audience are required")
        verdict = verify_credential(store, decoded.unverified_text, now=now, nonce=nonce, audience=audience)
    elif isinstance(decoded, Reference):
        click.echo(f"Tham chiếu trực tuyến / Online reference: {decoded.value}")
        return
    _report(verdict, obj["lang"], store)
