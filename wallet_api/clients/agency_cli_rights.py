"""``wallet-agency deletions …`` and ``wallet-agency corrections …``: answer the citizens' requests."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from consent import document_types
from wallet_api.clients.agency import AgencyApiError
from wallet_api.clients.agency_rights import RightsAgencyClient

ClientOf = Callable[[dict[str, Any]], RightsAgencyClient]
Report = Callable[[AgencyApiError], click.ClickException]


def register(main: click.Group, client_of: ClientOf, report: Report) -> None:
    """Add the two groups to the ``wallet-agency`` CLI."""

    def listed(item: dict[str, Any]) -> str:
        line = f"{item['id']}  [{item['status']}]  hạn / due {item['due_at']}"
        if item.get("consent_id"):
            line += f"  sự đồng ý / consent {item['consent_id']} ({item.get('procedure_code')}"
            line += f", hồ sơ / case {item.get('case_number')})"
        if item.get("credential_id"):
            line += f"  giấy tờ / credential {item['credential_id']} CCCD {item.get('cccd')}"
            line += f"\n    {item['claim']} → {item['proposed']}"
        if item.get("origin") == "retention":
            line += "  (hết hạn lưu giữ / retention passed)"
        if item.get("note"):
            line += f"\n    {item['note']}"
        return line

    @main.group("deletions")
    def deletions() -> None:
        """Yêu cầu xoá dữ liệu của công dân / Citizens' deletion requests."""

    @deletions.command("list")
    @click.pass_obj
    def deletions_list(obj: dict[str, Any]) -> None:
        """Các yêu cầu đang chờ trả lời / Open requests, soonest due first."""
        try:
            items = client_of(obj).deletion_requests()
        except AgencyApiError as exc:
            raise report(exc) from None
        if not items:
            click.echo("Không có yêu cầu xoá nào / No open deletion requests")
        for item in items:
            click.echo(listed(item))

    @deletions.command("attest")
    @click.argument("request_id")
    @click.option("--what", required=True, help="Đã xoá gì / What was deleted.")
    @click.option(
        "--copy", "copies", multiple=True, required=True, help="Mỗi bản sao đã xoá / Each copy deleted."
    )
    @click.pass_obj
    def deletions_attest(obj: dict[str, Any], request_id: str, what: str, copies: tuple[str, ...]) -> None:
        """Xác nhận đã xoá, có chữ ký của cơ quan / Answer with a signed deletion attestation."""
        client = client_of(obj)
        try:
            request = next((i for i in client.deletion_requests() if i["id"] == request_id), None)
            if request is None:
                raise click.ClickException(f"Không có yêu cầu / No open request: {request_id}")
            attestation = client.sign_attestation(request, what=what, copies=list(copies))
            client.attest_deletion(request_id, attestation)
        except AgencyApiError as exc:
            raise report(exc) from None
        click.echo(f"Đã gửi xác nhận xoá / Deletion attested: {request_id}")

    @deletions.command("refuse")
    @click.argument("request_id")
    @click.option("--legal-basis", required=True, help="Căn cứ pháp lý để giữ dữ liệu / The legal basis.")
    @click.pass_obj
    def deletions_refuse(obj: dict[str, Any], request_id: str, legal_basis: str) -> None:
        """Từ chối xoá, nêu căn cứ pháp lý / Refuse, naming the legal basis."""
        try:
            client_of(obj).refuse_deletion(request_id, legal_basis)
        except AgencyApiError as exc:
            raise report(exc) from None
        click.echo(f"Đã từ chối / Refused: {request_id}")

    @main.group("corrections")
    def corrections() -> None:
        """Yêu cầu sửa thông tin của công dân / Citizens' correction requests."""

    @corrections.command("list")
    @click.pass_obj
    def corrections_list(obj: dict[str, Any]) -> None:
        """Các yêu cầu đang chờ trả lời / Open requests, soonest due first."""
        try:
            items = client_of(obj).corrections()
        except AgencyApiError as exc:
            raise report(exc) from None
        if not items:
            click.echo("Không có yêu cầu sửa nào / No open correction requests")
        for item in items:
            click.echo(listed(item))

    @corrections.command("reissue")
    @click.argument("request_id")
    @click.option("--type", "doc_type", required=True, help="Loại giấy tờ / Document type.")
    @click.option(
        "--claims",
        "claims_file",
        type=click.Path(exists=True, path_type=Path),
        required=True,
        help="Tệp JSON các trường đã sửa / JSON file of the corrected claims.",
    )
    @click.pass_obj
    def corrections_reissue(obj: dict[str, Any], request_id: str, doc_type: str, claims_file: Path) -> None:
        """Cấp lại giấy tờ đã sửa, thu hồi bản cũ / Issue the corrected credential, revoking the old."""
        entry = document_types().get(doc_type)
        if entry is None or entry.vct is None:
            raise click.ClickException(f"Loại không có / Unknown type: {doc_type}")
        client = client_of(obj)
        try:
            request = next((i for i in client.corrections() if i["id"] == request_id), None)
            if request is None:
                raise click.ClickException(f"Không có yêu cầu / No open request: {request_id}")
            claims = json.loads(claims_file.read_text("utf-8"))
            sd_jwt = client.sign_credential(
                request["cccd"], entry.vct, claims, always_visible=entry.always_visible()
            )
            issued = client.issue_credential(request["cccd"], sd_jwt)
            client.reissue_correction(request_id, issued["credential_id"])
        except AgencyApiError as exc:
            raise report(exc) from None
        click.echo(
            f"Đã cấp lại / Re-issued: {issued['credential_id']} (thay / replaces {request['credential_id']})"
        )

    @corrections.command("refuse")
    @click.argument("request_id")
    @click.option("--reason", required=True, help="Lý do / Reason.")
    @click.pass_obj
    def corrections_refuse(obj: dict[str, Any], request_id: str, reason: str) -> None:
        """Từ chối sửa, nêu lý do / Refuse, with a reason."""
        try:
            client_of(obj).refuse_correction(request_id, reason)
        except AgencyApiError as exc:
            raise report(exc) from None
        click.echo(f"Đã từ chối / Refused: {request_id}")
