"""Export of everything a citizen holds as one ZIP archive, streamed in bounded memory."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterator

from wallet_api.services.citizens import CitizenService
from wallet_api.services.credentials import CredentialService
from wallet_api.services.documents import DocumentService


class _Sink:
    """A write-only file object whose bytes are drained by the generator."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []
        self._offset = 0

    def write(self, data: bytes) -> int:
        self._parts.append(bytes(data))
        self._offset += len(data)
        return len(data)

    def tell(self) -> int:
        return self._offset

    def flush(self) -> None:
        return None

    def drain(self) -> bytes:
        out = b"".join(self._parts)
        self._parts.clear()
        return out


def export_archive(
    citizens: CitizenService, documents: DocumentService, credentials: CredentialService, citizen_id: str
) -> Iterator[bytes]:
    """Yield a ZIP with ``manifest.json`` (profile, documents, credentials), every document's content
    and every credential as its full SD-JWT."""
    profile = citizens.profile(citizen_id)
    sink = _Sink()
    manifest: dict[str, object] = {
        "format": "citizen-data-wallet-export/1",
        "citizen": {
            "citizen_id": profile.citizen_id,
            "cccd": profile.cccd,
            "full_name": profile.full_name,
            "date_of_birth": profile.date_of_birth,
            "enrolled_at": profile.created_at.isoformat(),
        },
        "documents": [],
    }
    entries: list[dict[str, object]] = []
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:  # type: ignore[call-overload]  # a write-only stream is enough for "w"
        for meta, content in documents.records_with_plaintext(citizen_id):
            path = f"documents/{meta.id}-{meta.filename}"
            with archive.open(path, "w", force_zip64=True) as target:
                for chunk in content:
                    target.write(chunk)
                    yield sink.drain()
            entries.append(
                {
                    "id": meta.id,
                    "type": meta.doc_type,
                    "provenance": meta.provenance,
                    "content_type": meta.content_type,
                    "size": meta.size,
                    "filename": meta.filename,
                    "version": meta.version,
                    "created_at": meta.created_at.isoformat(),
                    "path": path,
                }
            )
            yield sink.drain()
        manifest["documents"] = entries
        held = []
        for credential in credentials.list(citizen_id):
            path = f"credentials/{credential.id}.sd-jwt"
            archive.writestr(path, credential.sd_jwt)
            held.append(
                {
                    "id": credential.id,
                    "type": credential.doc_type,
                    "vct": credential.vct,
                    "issuer": credential.issuer_id,
                    "issuer_name": credential.issuer_name,
                    "issued_at": credential.issued_at.isoformat(),
                    "expires_at": credential.expires_at.isoformat(),
                    "status": credential.status,
                    "path": path,
                }
            )
        manifest["credentials"] = held
        archive.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2))
    yield sink.drain()
