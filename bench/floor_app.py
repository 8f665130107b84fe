"""The service with one more route, for benchmarks only: the metadata GET's floor served for real.

``GET /bench/floor/{citizen_id}/{document_id}`` is what the issue calls the floor of the metadata
GET (issue 12 item 1): ``/health``'s handler, plus one ES256 verify, plus one primary-key read of
the document row through the metadata adapter (a read-only unit of work, as the floor has been
defined since round one). ``/bench/floor-hot/...`` is a stricter one: the same with the adapter's
cheapest read, the one-statement hot read the GET itself uses. Served by the same server, app, middleware and
worker as the GET itself, it is measured the way the GET is (wrk, the same connections, the same
minutes), instead of being summed from parts timed in the benchmark's own process; on a machine
whose speed moves from minute to minute that sum drifts with it.

    python -m bench.floor_app serve --port 8000   # ``wallet serve`` with this app (its options)

Never part of the product: the route exists only in a process started this way.
"""

from __future__ import annotations

import os

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from litestar import Litestar, get
from litestar.di import NamedDependency

from wallet_api.services import Services
from wallet_api.wire import Health

FACTORY = "bench.floor_app:app_factory"

# One verify of a fixed signature: the ES256 check a DPoP proof costs, without the parsing around it.
_KEY = ec.generate_private_key(ec.SECP256R1())
_MESSAGE = os.urandom(400)  # about a DPoP proof's signing input
_ECDSA = ec.ECDSA(hashes.SHA256())
_SIGNATURE = _KEY.sign(_MESSAGE, _ECDSA)
_PUBLIC = _KEY.public_key()


@get("/bench/floor/{citizen_id:str}/{document_id:str}", sync_to_thread=False)
def floor(services: NamedDependency[Services], citizen_id: str, document_id: str) -> Health:
    """``/health`` + one ES256 verify + one primary-key read (on the loop: no thread hop)."""
    _PUBLIC.verify(_SIGNATURE, _MESSAGE, _ECDSA)
    with services.ctx.metadata.unit_of_work(readonly=True) as uow:
        uow.documents.get(citizen_id, document_id)
    return Health(status="ok", mode=services.ctx.settings.mode)


@get("/bench/floor-hot/{citizen_id:str}/{document_id:str}", sync_to_thread=False)
def floor_hot(services: NamedDependency[Services], citizen_id: str, document_id: str) -> Health:
    """A stricter floor: the read is the adapter's one-statement hot read (``HotReads``), the one the
    GET itself makes, instead of a read-only unit of work."""
    _PUBLIC.verify(_SIGNATURE, _MESSAGE, _ECDSA)
    services.ctx.metadata.hot_reads().document_with_owner_key(citizen_id, document_id)
    return Health(status="ok", mode=services.ctx.settings.mode)


def app_factory() -> Litestar:
    """``wallet_api.asgi.app_factory``'s app, with the floor route."""
    from wallet_api.asgi import app_factory as product

    app = product()
    app.register(floor)
    app.register(floor_hot)
    return app


def main() -> None:
    """``wallet serve`` (same options, same server) running this module's app."""
    import wallet_api.server
    from wallet_api.cli import main as cli

    wallet_api.server.FACTORY = FACTORY  # read by ``run`` when the server starts
    cli()


if __name__ == "__main__":
    main()
