"""The served OpenAPI document, made exact: problem+json errors, the DPoP scheme, examples.

Litestar generates the document from the handlers; it knows the success
answers but not which problems a route can give, nor how it authenticates.
``publish(app)`` edits the generated document once, from the tables below, so
route modules stay free of OpenAPI detail:

- every error answer is ``application/problem+json`` with the shared
  ``Problem`` schema, one example per problem code the operation can give;
- the statuses come from ``wallet_api.problems.CATALOGUE`` (one source of
  truth for code → status → ``type``), chosen per operation by rules (token →
  401, ``{id}`` → 404, parameters or body → 400, JSON body → 413/415, storage
  → 503) plus the operation's own codes in ``CODES``;
- operations under ``/v1/me`` and ``/v1/agency`` carry the DPoP security
  requirement (RFC 9449: ``Authorization: DPoP <token>`` and a ``DPoP`` proof);
- operations under ``/v1/me`` refuse the ``Wallet-Mandate`` header (403) unless a mandate can
  cover them (``MANDATE_ROUTES``): those document it and the mandate refusals.
"""

from __future__ import annotations

from typing import Any

from litestar import Litestar
from litestar.enums import ParamType
from litestar.openapi.spec import (
    Components,
    Example,
    OpenAPI,
    OpenAPIFormat,
    OpenAPIHeader,
    OpenAPIMediaType,
    OpenAPIResponse,
    OpenAPIType,
    Operation,
    Parameter,
    Reference,
    RequestBody,
    Schema,
    SecurityScheme,
)

from wallet_api.openapi_codes import (
    CODES,
    HEADERS,
    MANDATE_ROUTES,
    PUBLIC_NO_STORAGE,
    SUCCESS_MEDIA,
    UPLOAD_TYPES,
)
from wallet_api.problems import CATALOGUE, problem_body, problem_type

PROBLEM_JSON = "application/problem+json"
PROBLEM_REF = Reference(ref="#/components/schemas/Problem")
SECURITY: list[dict[str, list[str]]] = [{"DPoP": [], "DPoPProof": []}]
_METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")


def publish(app: Litestar) -> None:
    """Make ``app``'s OpenAPI document exact (call once, before it is first served)."""
    document = app.openapi_schema
    _add_components(document)
    for path, item in (document.paths or {}).items():
        for method in _METHODS:
            operation = getattr(item, method, None)
            if isinstance(operation, Operation):
                _finish(method.upper(), path, operation)


def operation_codes(method: str, path: str, operation: Operation) -> list[str]:
    """The problem codes ``method path`` can answer with, most general first."""
    own = CODES.get(f"{method} {path}", ())
    codes: list[str] = []
    parameters = [p for p in operation.parameters or [] if isinstance(p, Parameter)]
    if parameters or operation.request_body:
        codes.append("invalid_request")
    if _authenticated(path):  # the caller's device or agency past its limit (wallet_api.limits)
        codes += ["invalid_token", "rate_limited"]
    if path == "/v1/me" or path.startswith("/v1/me/"):  # the Wallet-Mandate header (wallet_api.mandates)
        under = f"{method} {path}" in MANDATE_ROUTES
        codes += (
            ["mandate_not_valid", "mandate_out_of_scope", "access_log_busy"]
            if under
            else ["mandate_not_allowed"]
        )
    if any(p.param_in == "path" for p in parameters):
        codes.append("not_found")
    if operation.request_body:
        codes += ["payload_too_large", "unsupported_media_type"]
    codes += own
    if path not in PUBLIC_NO_STORAGE:
        codes.append("storage_unavailable")
    return list(dict.fromkeys(codes))


def _authenticated(path: str) -> bool:
    return path == "/v1/me" or path.startswith(("/v1/me/", "/v1/agency/"))


def _finish(method: str, path: str, operation: Operation) -> None:
    key = f"{method} {path}"
    if key == "POST /v1/me/documents":
        operation.request_body = _upload_body()
    codes = operation_codes(method, path, operation)  # before the headers below: litestar never checks them
    for name, description in HEADERS.get(key, {}).items():
        header = Parameter(name=name, param_in=ParamType.HEADER, description=description, schema=_text())
        operation.parameters = [*(operation.parameters or []), header]
    responses = {
        status: response
        for status, response in (operation.responses or {}).items()
        if not status.startswith(("4", "5"))  # litestar's own {status_code, detail, extra}
    }
    by_status: dict[int, list[str]] = {}
    for code in codes:
        by_status.setdefault(CATALOGUE[code].status, []).append(code)
    for status, group in sorted(by_status.items()):
        responses[str(status)] = _problem_response(group)
    if key in SUCCESS_MEDIA:
        success = next(r for s, r in responses.items() if s.startswith("2"))
        if isinstance(success, OpenAPIResponse):
            success.content = {media: OpenAPIMediaType(schema=_binary()) for media in SUCCESS_MEDIA[key]}
    operation.responses = responses
    if _authenticated(path):
        operation.security = SECURITY
    elif method == "POST" and path == "/v1/token":
        operation.security = [{"DPoPProof": []}]
    else:
        operation.security = []


def _problem_response(codes: list[str]) -> OpenAPIResponse:
    headers: dict[str, OpenAPIHeader | Reference] = {
        "Content-Language": OpenAPIHeader(schema=Schema(type=OpenAPIType.STRING, enum=["vi", "en"]))
    }
    if CATALOGUE[codes[0]].status == 401:
        headers["WWW-Authenticate"] = OpenAPIHeader(
            schema=Schema(type=OpenAPIType.STRING), description='`DPoP algs="ES256", error="<code>"`'
        )
    examples: dict[str, Example | Reference] = {
        code: Example(summary=CATALOGUE[code].title_en, value=problem_body(code, "vi", {})) for code in codes
    }
    return OpenAPIResponse(
        description=", ".join(f"`{code}`" for code in codes),
        headers=headers,
        content={PROBLEM_JSON: OpenAPIMediaType(schema=PROBLEM_REF, examples=examples)},
    )


def _text() -> Schema:
    return Schema(type=OpenAPIType.STRING)


def _binary() -> Schema:
    return Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.BINARY)


def _upload_body() -> RequestBody:
    return RequestBody(
        required=True,
        description="The file itself, streamed; its `Content-Type` must match its bytes.",
        content={media: OpenAPIMediaType(schema=_binary()) for media in UPLOAD_TYPES},
    )


def problem_schema() -> Schema:
    """The shared ``Problem`` component (RFC 9457 with our ``code`` member)."""
    table = "\n".join(f"- `{code}` ({p.status}): `{problem_type(code)}`" for code, p in CATALOGUE.items())
    string = Schema(type=OpenAPIType.STRING)
    return Schema(
        type=OpenAPIType.OBJECT,
        title="Problem",
        description="RFC 9457 problem details, Vietnamese by default, English with "
        "`Accept-Language: en`. Each `code` has one `type`:\n\n" + table,
        required=["type", "title", "status", "code"],
        properties={
            "type": Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.URI),
            "title": string,
            "status": Schema(type=OpenAPIType.INTEGER, minimum=400, maximum=599),
            "detail": string,
            "code": Schema(type=OpenAPIType.STRING, enum=list(CATALOGUE)),
        },
        additional_properties=True,  # extension members (RFC 9457 §3.2)
    )


def _add_components(document: OpenAPI) -> None:
    components = document.components if isinstance(document.components, Components) else Components()
    schemas: dict[str, Any] = dict(components.schemas or {})
    schemas["Problem"] = problem_schema()
    components.schemas = schemas
    components.security_schemes = {
        "DPoP": SecurityScheme(
            type="http",
            scheme="DPoP",
            description="RFC 9449: `Authorization: DPoP <access token>` from `POST /v1/token`.",
        ),
        "DPoPProof": SecurityScheme(
            type="apiKey",
            name="DPoP",
            security_scheme_in="header",
            description="RFC 9449 proof: an ES256 JWT (`typ: dpop+jwt`) signed by the device or agency "
            "key, naming `htm`, `htu` (the request URL without query), `iat`, a fresh `jti` and, with "
            "a token, `ath`.",
        ),
    }
    document.components = components
