"""Typed settings, loaded once from ``WALLET_*`` environment variables and validated."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import urlsplit

from storage.limits import Timeouts
from wallet_api.errors import ConfigError
from wallet_api.limits.policy import DEFAULT as DEFAULT_RATE_LIMITS

MIB = 1024 * 1024
_MODES = ("dev", "strict")


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything the service needs to start; see ``Settings.from_env`` for the variables."""

    data_dir: Path
    database_url: str
    blob_url: str
    master_key_url: str
    mode: str = "dev"
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    public_url: str | None = None
    max_upload_bytes: int = 50 * MIB
    token_ttl_seconds: int = 300
    dpop_max_age_seconds: int = 60
    orphan_grace_seconds: int = 3600
    server: str = "granian"
    blocking: str = "auto"
    connect_timeout_seconds: float = 3.0
    read_timeout_seconds: float = 4.0
    deadline_seconds: float = 8.0
    blob_concurrency: int = 16
    max_upload_seconds: int = 1800
    key_announce_seconds: int = 25 * 3600  # a new signing key is published this long before it signs
    key_overlap_seconds: int = 7 * 86400  # the old key signs trust lists (and verifies) this long after
    key_refresh_seconds: int = 30  # how often each worker re-reads the signing keys
    key_epoch_seconds: int = 7 * 86400  # a master-key version wraps this long, then is re-wrapped
    key_retention_seconds: int = 30 * 86400  # the backup-retention window a drained version outlives
    # Expired replay ids are purged while serving: every this many new ids, one batch of at most
    # ``replay_purge_batch`` (more than the ids added meanwhile, so a backlog drains), in each process.
    replay_purge_every: int = 256
    # Abuse limits (``wallet_api.limits.policy``): KIND=HITS/SECONDS pairs, or "off".
    rate_limits: str = DEFAULT_RATE_LIMITS
    trusted_proxies: str = ""  # proxy addresses whose X-Forwarded-For names the caller (comma-separated)
    replay_purge_batch: int = 1024
    # A started recovery completes this long after it started, unless a device still held cancels it.
    recovery_cooling_off_seconds: int = 86400
    # A recovery whose new device has not come back this long after ``completes_at`` can no longer
    # complete: ``wallet collect`` (or the device's late status call) marks it expired.
    recovery_expire_seconds: int = 7 * 86400
    visit_seconds: int = 900  # an assisted visit at a one-stop office ends this long after it opens
    # ``wallet collect`` deletes visits (and the documents and consents opened in them) this many
    # days after they ended; the citizen's access log keeps its entries.
    visit_retention_days: int = 90
    # How long an agency has to answer a citizen's deletion or correction request before it shows
    # as overdue and is escalated (72 h: the law's notification period).
    rights_deadline_seconds: int = 72 * 3600

    @property
    def origins(self) -> tuple[str, ...]:
        """The base URLs clients may name in DPoP proofs and assertions; the first is canonical.

        ``WALLET_PUBLIC_URL`` (one URL or several separated by commas) when set, else the address
        ``wallet serve`` binds (and its ``localhost`` / ``127.0.0.1`` twin). The ``Host`` a client
        sends never widens this list.
        """
        if self.public_url:
            return tuple(url.strip().rstrip("/") for url in self.public_url.split(",") if url.strip())
        loopback = {"127.0.0.1": "localhost", "localhost": "127.0.0.1"}
        hosts = [self.host, *([loopback[self.host]] if self.host in loopback else [])]
        return tuple(f"http://{_bracketed(host)}:{self.port}" for host in hosts)

    @property
    def run_inline(self) -> bool:
        """Run storage calls on the event loop (SQLite: microseconds, no thread hop) or in threads."""
        if self.blocking == "auto":
            return self.database_url.startswith("sqlite") and self.blob_url.startswith("file:")
        return self.blocking == "inline"

    @property
    def timeouts(self) -> Timeouts:
        """The per-call bounds every storage adapter applies."""
        return Timeouts(connect=self.connect_timeout_seconds, read=self.read_timeout_seconds)

    @classmethod
    def for_data_dir(cls, data_dir: Path, **overrides: object) -> Settings:
        """The embedded default: SQLite, a blob folder and a key file inside ``data_dir``."""
        data_dir = data_dir.resolve()
        base = cls(
            data_dir=data_dir,
            database_url=f"sqlite:///{data_dir / 'wallet.sqlite3'}",
            blob_url=f"file://{data_dir / 'blobs'}",
            master_key_url=f"file:{data_dir / 'master.key'}",
        )
        return replace(base, **overrides).validated()  # type: ignore[arg-type]  # keys checked by dataclasses.replace

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: object) -> Settings:
        """Read ``WALLET_*`` variables; unset backends fall back to the data directory's embedded ones."""
        env = os.environ if env is None else env
        data_dir = Path(env.get("WALLET_DATA_DIR", "./.wallet-data"))
        values: dict[str, object] = {}
        for name, convert in _VARIABLES.items():
            raw = env.get(f"WALLET_{name.upper()}")
            if raw is not None and raw != "":
                values[name] = convert(name, raw)
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls.for_data_dir(Path(str(values.pop("data_dir", data_dir))), **values)

    def validated(self) -> Settings:
        """Fail fast on values that cannot work."""
        if self.mode not in _MODES:
            raise ConfigError(f"WALLET_MODE must be one of {_MODES}")
        if not 0 < self.port < 65536:
            raise ConfigError("WALLET_PORT must be between 1 and 65535")
        if self.max_upload_bytes < 1:
            raise ConfigError("WALLET_MAX_UPLOAD_BYTES must be positive")
        if not 30 <= self.token_ttl_seconds <= 3600:
            raise ConfigError("WALLET_TOKEN_TTL_SECONDS must be between 30 and 3600")
        if self.workers < 1:
            raise ConfigError("WALLET_WORKERS must be at least 1")
        if not 60 <= self.visit_seconds <= 4 * 3600:
            raise ConfigError("WALLET_VISIT_SECONDS must be between 60 and 14400")
        if not 1 <= self.visit_retention_days <= 3650:
            raise ConfigError("WALLET_VISIT_RETENTION_DAYS must be between 1 and 3650")
        if self.blocking not in ("auto", "inline", "thread"):
            raise ConfigError("WALLET_BLOCKING must be auto, inline or thread")
        if min(self.key_announce_seconds, self.key_overlap_seconds) < 0 or self.key_refresh_seconds < 1:
            raise ConfigError("WALLET_KEY_*_SECONDS must be positive")
        if self.key_epoch_seconds < 1 or self.key_retention_seconds < 0:
            raise ConfigError(
                "WALLET_KEY_EPOCH_SECONDS must be positive, WALLET_KEY_RETENTION_SECONDS not negative"
            )
        if self.server not in ("granian", "uvicorn"):
            raise ConfigError("WALLET_SERVER must be granian or uvicorn")
        if not 0 < self.connect_timeout_seconds <= self.deadline_seconds:
            raise ConfigError("WALLET_CONNECT_TIMEOUT_SECONDS must be positive and at most the deadline")
        if not 0 < self.read_timeout_seconds <= self.deadline_seconds:
            raise ConfigError("WALLET_READ_TIMEOUT_SECONDS must be positive and at most the deadline")
        if self.max_upload_seconds < 1:
            raise ConfigError("WALLET_MAX_UPLOAD_SECONDS must be positive")
        from wallet_api.limits.policy import parse as parse_limits  # settings load first

        parse_limits(self.rate_limits)  # ConfigError naming the bad part
        if self.replay_purge_every < 1 or self.replay_purge_batch < self.replay_purge_every:
            raise ConfigError(
                "WALLET_REPLAY_PURGE_EVERY must be at least 1 and WALLET_REPLAY_PURGE_BATCH at least as large"
            )
        if not 0 <= self.recovery_cooling_off_seconds <= 30 * 86400:
            raise ConfigError("WALLET_RECOVERY_COOLING_OFF_SECONDS must be between 0 and 2592000 (30 days)")
        if not 3600 <= self.recovery_expire_seconds <= 365 * 86400:
            raise ConfigError("WALLET_RECOVERY_EXPIRE_SECONDS must be between 3600 and 31536000 (a year)")
        if self.rights_deadline_seconds < 1:
            raise ConfigError("WALLET_RIGHTS_DEADLINE_SECONDS must be positive")
        if self.blob_concurrency < 1:
            raise ConfigError("WALLET_BLOB_CONCURRENCY must be at least 1")
        if self.public_url is not None and not all(
            _is_base_url(url.strip()) for url in self.public_url.split(",")
        ):
            raise ConfigError("WALLET_PUBLIC_URL must be one or more http(s) URLs separated by commas")
        if self.public_url is None and self.host in _WILDCARDS:
            raise ConfigError(
                "WALLET_PUBLIC_URL is required when serving on every interface: "
                "DPoP proofs are checked against it, never against the Host a client sends"
            )
        return self

    def as_env(self) -> dict[str, str]:
        """The variables that reproduce these settings in a worker process."""
        out = {"WALLET_DATA_DIR": str(self.data_dir)}
        for name in _VARIABLES:
            value = getattr(self, name)
            if value is not None and name != "data_dir":
                out[f"WALLET_{name.upper()}"] = str(value)
        return out


_WILDCARDS = frozenset({"0.0.0.0", "::", "[::]", ""})  # noqa: S104  # names of the wildcard bind, not a bind


def _bracketed(host: str) -> str:
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


def _is_base_url(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.netloc) and not (parts.query or parts.fragment)


def _int(name: str, raw: str) -> int:
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"WALLET_{name.upper()} must be an integer") from None


def _seconds(name: str, raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"WALLET_{name.upper()} must be a number of seconds") from None
    if not 0 < value < 3600:  # also refuses nan and inf
        raise ConfigError(f"WALLET_{name.upper()} must be between 0 and 3600 seconds")
    return value


def _str(name: str, raw: str) -> str:
    return raw


_VARIABLES = {
    "data_dir": _str,
    "database_url": _str,
    "blob_url": _str,
    "master_key_url": _str,
    "mode": _str,
    "host": _str,
    "port": _int,
    "workers": _int,
    "public_url": _str,
    "max_upload_bytes": _int,
    "token_ttl_seconds": _int,
    "dpop_max_age_seconds": _int,
    "orphan_grace_seconds": _int,
    "server": _str,
    "blocking": _str,
    "key_announce_seconds": _int,
    "key_overlap_seconds": _int,
    "key_refresh_seconds": _int,
    "key_epoch_seconds": _int,
    "key_retention_seconds": _int,
    "connect_timeout_seconds": _seconds,
    "read_timeout_seconds": _seconds,
    "deadline_seconds": _seconds,
    "blob_concurrency": _int,
    "max_upload_seconds": _int,
    "replay_purge_every": _int,
    "rate_limits": _str,
    "trusted_proxies": _str,
    "replay_purge_batch": _int,
    "recovery_cooling_off_seconds": _int,
    "recovery_expire_seconds": _int,
    "visit_seconds": _int,
    "visit_retention_days": _int,
    "rights_deadline_seconds": _int,
}
