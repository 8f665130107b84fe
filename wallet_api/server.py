"""Run the ASGI app under the configured server (granian by default: measured faster here)."""

from __future__ import annotations

from wallet_api.settings import Settings

FACTORY = "wallet_api.asgi:app_factory"


def run(settings: Settings) -> None:
    """Serve until interrupted; workers rebuild the app from ``WALLET_*`` variables."""
    if settings.server == "uvicorn":
        import uvicorn

        uvicorn.run(
            FACTORY,
            factory=True,
            host=settings.host,
            port=settings.port,
            workers=settings.workers,
            log_level="warning",
            access_log=False,
        )
        return
    from granian import Granian
    from granian.constants import Interfaces

    Granian(
        FACTORY,
        address=settings.host,
        port=settings.port,
        interface=Interfaces.ASGI,
        workers=settings.workers,
        factory=True,
        log_access=False,
    ).serve()
