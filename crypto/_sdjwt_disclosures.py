"""SD-JWT Disclosures (RFC 9901 §4.2, §7): make, decode, resolve and select them.

Private to ``crypto.sdjwt``. Misuse by an issuer or holder (claims that cannot
be issued, a path that names nothing) is a ``CryptoError``; anything wrong with
received data is a ``CredentialError`` with its reason. Only sha-256 digests.
"""

import secrets
from collections.abc import Collection, Iterator, Mapping, Sequence
from typing import Any, NamedTuple

from crypto._encoding import b64url_decode, b64url_encode, json_compact, json_object
from crypto._hazmat import sha256
from crypto.errors import CredentialError, CryptoError

__all__ = [
    "ELLIPSIS",
    "SD",
    "SD_ALG",
    "SD_ALG_CLAIM",
    "Disclosure",
    "conceal_claims",
    "decode_disclosures",
    "digest",
    "resolve",
    "select",
]

SD = "_sd"
ELLIPSIS = "..."
SD_ALG_CLAIM = "_sd_alg"
SD_ALG = "sha-256"
_SALT_SIZE = 16  # 128 bits, RFC 9901 §9.3
_MAX_DEPTH = 32
_RESERVED_NAMES = frozenset({SD, ELLIPSIS})
_CONTAINERS = (dict, list)


class Disclosure(NamedTuple):
    """One decoded Disclosure: its encoded form, claim name (``None`` for an array element), value."""

    raw: str
    name: str | None
    value: Any


def digest(text: str) -> str:
    """b64url SHA-256 of the ASCII text: a Disclosure's digest, or ``sd_hash`` over a presentation."""
    return b64url_encode(sha256(text.encode("ascii")))


# json_compact / json_object only take objects: a Disclosure is an array, so it is
# wrapped in a one-member object (whose key is "") and unwrapped again; the strict
# rules (no duplicate members, no NaN) are the same ones as everywhere else.
_WRAP_HEAD = '{"":'


def _array_json(items: list[Any]) -> bytes:
    return json_compact({"": items})[len(_WRAP_HEAD) : -1]


def _array_from_json(data: bytes) -> Any:
    # Decoded to str first: json.loads then skips its encoding detection (a third of the cost).
    wrapped = json_object(_WRAP_HEAD + data.decode("utf-8") + "}")
    if len(wrapped) != 1:  # `data` smuggled in a second member: not one JSON value
        raise ValueError("not a single JSON value")
    return wrapped[""]


# --- issuer ------------------------------------------------------------------------------------


class _Concealer:
    """Turns claims into payload members with digests, collecting the Disclosures made."""

    def __init__(self) -> None:
        self.disclosures: list[str] = []

    def disclose(self, name: str | None, value: Any) -> str:
        salt = b64url_encode(secrets.token_bytes(_SALT_SIZE))
        raw = b64url_encode(_array_json([salt, value] if name is None else [salt, name, value]))
        self.disclosures.append(raw)
        return digest(raw)

    def conceal(self, value: Any, depth: int) -> Any:
        """``value`` with every object member and array element made selectively disclosable."""
        if depth > _MAX_DEPTH:
            raise CryptoError("claims are nested too deeply")
        if isinstance(value, Mapping):
            digests = [self.disclose(_name(k), self.conceal(v, depth + 1)) for k, v in value.items()]
            return {SD: sorted(digests)} if digests else {}
        if isinstance(value, list | tuple):
            return [{ELLIPSIS: self.disclose(None, self.conceal(v, depth + 1))} for v in value]
        return value


def _name(name: object) -> str:
    if not isinstance(name, str) or name in _RESERVED_NAMES:
        raise CryptoError("claim names must be strings other than '_sd' and '...'")
    return name


def _check_plain(value: Any, depth: int) -> None:
    """Refuse ``_sd`` / ``...`` members in a value issued in clear: a verifier would read them as digests."""
    if depth > _MAX_DEPTH:
        raise CryptoError("claims are nested too deeply")
    if isinstance(value, Mapping):
        for name, member in value.items():
            _name(name)
            _check_plain(member, depth + 1)
    elif isinstance(value, list | tuple):
        for element in value:
            _check_plain(element, depth + 1)


def conceal_claims(
    claims: Mapping[str, Any], *, always_visible: Collection[str], decoys: int
) -> tuple[dict[str, Any], list[str]]:
    """Payload members for ``claims`` and the Disclosures made for them.

    Every claim not in ``always_visible`` is disclosable, and so, recursively, is
    each member of an object and each element of an array inside it. ``decoys``
    random digests are added to the top-level ``_sd`` (RFC 9901 §4.2.5).
    """
    concealer = _Concealer()
    members: dict[str, Any] = {}
    digests: list[str] = []
    try:
        for name, value in claims.items():
            if _name(name) in always_visible:
                _check_plain(value, 1)
                members[name] = value
            else:
                digests.append(concealer.disclose(name, concealer.conceal(value, 1)))
    except ValueError:
        raise CryptoError("claims are not JSON-serialisable") from None
    digests.extend(b64url_encode(sha256(secrets.token_bytes(32))) for _ in range(decoys))
    if digests:
        members[SD] = sorted(digests)  # sorted: the order says nothing of the claims
    return members, concealer.disclosures


# --- verifier ----------------------------------------------------------------------------------


def decode_disclosure(raw: str) -> Disclosure:
    try:
        items = _array_from_json(b64url_decode(raw))
    except ValueError:
        raise CredentialError("malformed") from None
    if type(items) is not list or len(items) not in (2, 3) or type(items[0]) is not str:
        raise CredentialError("malformed")
    if len(items) == 2:
        return Disclosure(raw, None, items[1])
    name = items[1]
    if type(name) is not str or name in _RESERVED_NAMES:
        raise CredentialError("malformed")
    return Disclosure(raw, name, items[2])


def decode_disclosures(raws: Sequence[str]) -> dict[str, Disclosure]:
    """Each Disclosure by its digest; ``duplicate_disclosure`` if one comes twice."""
    found: dict[str, Disclosure] = {}
    for raw in raws:
        key = digest(raw)
        if key in found:
            raise CredentialError("duplicate_disclosure")
        found[key] = decode_disclosure(raw)
    return found


class _Resolver:
    """Replaces digests by disclosed values (RFC 9901 §7.1 step 3), each digest at most once."""

    __slots__ = ("by_digest", "seen", "used")

    def __init__(self, by_digest: Mapping[str, Disclosure]) -> None:
        self.by_digest = by_digest
        self.seen: set[str] = set()
        self.used = 0

    def take(self, key: object) -> Disclosure | None:
        if type(key) is not str or key in self.seen:
            raise CredentialError("malformed")  # not a digest, or a digest met twice
        self.seen.add(key)
        found = self.by_digest.get(key)
        if found is not None:
            self.used += 1
        return found

    def value(self, value: Any, depth: int) -> Any:
        kind = type(value)  # parsed JSON: exactly dict, list or a scalar
        if kind is dict:
            return self.object(value, depth)
        if kind is list:
            return self.array(value, depth)
        return value

    def object(self, node: dict[str, Any], depth: int) -> dict[str, Any]:
        if depth > _MAX_DEPTH:
            raise CredentialError("malformed")
        out = {
            name: self.value(member, depth + 1) if type(member) in _CONTAINERS else member
            for name, member in node.items()
            if name != SD
        }
        keys = node.get(SD)
        if keys is None:
            return out
        if type(keys) is not list:
            raise CredentialError("malformed")
        for key in keys:
            found = self.take(key)
            if found is None:
                continue  # not disclosed, or a decoy
            if found.name is None or found.name in out:
                raise CredentialError("malformed")  # an array element here, or a name clash
            out[found.name] = self.value(found.value, depth + 1)
        return out

    def array(self, node: list[Any], depth: int) -> list[Any]:
        if depth > _MAX_DEPTH:
            raise CredentialError("malformed")
        out = []
        for element in node:
            if type(element) is dict and ELLIPSIS in element:
                if len(element) != 1:
                    raise CredentialError("malformed")
                found = self.take(element[ELLIPSIS])
                if found is None:
                    continue
                if found.name is not None:
                    raise CredentialError("malformed")  # an object member in an array
                out.append(self.value(found.value, depth + 1))
            else:
                out.append(self.value(element, depth + 1))
        return out


def resolve(payload: dict[str, Any], by_digest: Mapping[str, Disclosure]) -> dict[str, Any]:
    """The processed payload (RFC 9901 §7.1): disclosed claims in place, ``_sd`` and ``_sd_alg`` gone.

    Every Disclosure must be reached from the payload (``disclosure_not_in_sd_jwt``).
    """
    if payload.get(SD_ALG_CLAIM, SD_ALG) != SD_ALG:
        raise CredentialError("unsupported_algorithm")
    resolver = _Resolver(by_digest)
    claims = resolver.object(payload, 0)
    if resolver.used != len(by_digest):
        raise CredentialError("disclosure_not_in_sd_jwt")
    claims.pop(SD_ALG_CLAIM, None)
    return claims


# --- holder ------------------------------------------------------------------------------------


def _children(node: Any, by_digest: Mapping[str, Disclosure]) -> Iterator[tuple[str, str | None, Any]]:
    """(key, Disclosure or None if in clear, value) of each member or element the holder can see."""
    if type(node) is dict:
        for name, member in node.items():
            if name != SD:
                yield name, None, member
        keys = node.get(SD)
        for key in keys if type(keys) is list else ():
            found = by_digest.get(key) if type(key) is str else None
            if found is not None and found.name is not None:
                yield found.name, found.raw, found.value
    elif type(node) is list:
        index = 0
        for element in node:
            if type(element) is dict and ELLIPSIS in element:
                key = element[ELLIPSIS]
                found = by_digest.get(key) if type(key) is str else None
                if found is None or found.name is not None:
                    continue
                yield str(index), found.raw, found.value
            else:
                yield str(index), None, element
            index += 1


def _collect(node: Any, by_digest: Mapping[str, Disclosure], chosen: set[str], depth: int) -> None:
    if depth > _MAX_DEPTH:
        raise CredentialError("malformed")
    for _, raw, value in _children(node, by_digest):
        if raw is not None:
            chosen.add(raw)
        _collect(value, by_digest, chosen, depth + 1)


def select(
    payload: dict[str, Any], by_digest: Mapping[str, Disclosure], paths: Collection[Sequence[str]]
) -> set[str]:
    """The Disclosures that reveal each path whole: those on the way to it and all below it.

    A path is a sequence of member names and array indices (as decimal strings,
    counted over the elements the holder can see); ``CryptoError`` if one names nothing.
    """
    chosen: set[str] = set()
    for path in paths:
        node: Any = payload
        for depth, segment in enumerate(path):
            for key, raw, value in _children(node, by_digest):
                if key == segment:
                    if raw is not None:
                        chosen.add(raw)
                    node = value
                    break
            else:
                raise CryptoError(f"no disclosable claim at path {'.'.join(path[: depth + 1])}")
        _collect(node, by_digest, chosen, len(path))
    return chosen
