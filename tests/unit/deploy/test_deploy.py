"""deploy/: the compose file, the proxy config and the image, checked against the code they run.

No container engine runs here, so this reads the files as the engine would and checks what would
otherwise only fail at someone's first `docker compose up`: every node gets the same database,
store and master key; nodes wait for the one-shot init; every WALLET_* variable is one the
settings know; no secret is written in the file; the proxy reaches every replica.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from wallet_api.settings import _VARIABLES

DEPLOY = Path(__file__).parents[3] / "deploy"
KNOWN = {f"WALLET_{name.upper()}" for name in _VARIABLES} | {"WALLET_S3_ACCESS_KEY", "WALLET_S3_SECRET_KEY"}


def _compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    return loaded


def test_the_stack_has_its_parts_and_they_wait_for_each_other() -> None:
    services = _compose()["services"]
    assert set(services) == {"postgres", "seaweedfs", "init", "api", "proxy"}
    for backing in ("postgres", "seaweedfs"):
        assert services[backing]["healthcheck"]["test"], backing
    assert services["init"]["depends_on"] == {
        "postgres": {"condition": "service_healthy"},
        "seaweedfs": {"condition": "service_healthy"},
    }
    assert services["api"]["depends_on"] == {"init": {"condition": "service_completed_successfully"}}
    assert services["api"]["deploy"]["replicas"] == "${WALLET_NODES:-2}"
    assert services["api"]["command"][:3] == ["serve", "--host", "0.0.0.0"]
    assert services["api"]["image"] == services["init"]["image"]
    for name, service in services.items():  # pinned images, never :latest
        image = service.get("image", "")
        assert ":" in image and not image.endswith(":latest"), name


def test_every_node_shares_one_database_store_and_master_key() -> None:
    services = _compose()["services"]
    assert services["api"]["environment"] is services["init"]["environment"]  # one YAML anchor
    env = services["api"]["environment"]
    assert set(env) <= KNOWN, set(env) - KNOWN
    assert {"WALLET_DATABASE_URL", "WALLET_BLOB_URL", "WALLET_MASTER_KEY_URL", "WALLET_PUBLIC_URL"} <= set(
        env
    )
    assert (
        env["WALLET_DATABASE_URL"].startswith("postgresql+psycopg://")
        and "@postgres:5432/" in env["WALLET_DATABASE_URL"]
    )
    assert env["WALLET_BLOB_URL"].startswith("s3://") and "endpoint=seaweedfs:8333" in env["WALLET_BLOB_URL"]
    key_path = env["WALLET_MASTER_KEY_URL"].removeprefix("file:")
    for name in ("init", "api"):
        mounts = {m.split(":")[1]: m.split(":")[0] for m in services[name]["volumes"]}
        assert mounts[str(Path(key_path).parent)] == "keys", name


def test_no_secret_is_written_in_the_files() -> None:
    text = (DEPLOY / "compose.yaml").read_text()
    for variable in ("POSTGRES_PASSWORD", "WALLET_S3_ACCESS_KEY", "WALLET_S3_SECRET_KEY"):
        assert re.findall(rf"{variable}:?\}}?", text), variable
        assert re.search(rf"\$\{{{variable}:\?", text), f"{variable} must come from the environment"
    example = dict(
        line.split("=", 1)
        for line in (DEPLOY / "env.example").read_text().splitlines()
        if re.match(r"^[A-Z0-9_]+=", line)
    )
    assert (
        example["POSTGRES_PASSWORD"]
        == example["WALLET_S3_SECRET_KEY"]
        == example["WALLET_S3_ACCESS_KEY"]
        == ""
    )


def test_only_the_proxy_is_published_and_only_on_loopback() -> None:
    services = _compose()["services"]
    published = {name: s["ports"] for name, s in services.items() if "ports" in s}
    assert published == {"proxy": ["127.0.0.1:8080:80"]}


def test_the_proxy_spreads_over_every_replica_and_passes_requests_through() -> None:
    conf = (DEPLOY / "nginx.conf").read_text()
    assert conf.count("{") == conf.count("}")
    upstream = re.search(r"upstream wallet_nodes \{(.*?)\}", conf, re.S)
    assert upstream and "server api:8000 resolve;" in upstream.group(1)
    assert "proxy_pass http://wallet_nodes;" in conf and "resolver 127.0.0.11" in conf
    assert "proxy_request_buffering off;" in conf and "client_max_body_size" in conf
    assert "non_idempotent" not in conf  # a POST is never sent to a second node


def test_the_image_runs_as_a_user_and_serves_on_the_port_the_proxy_uses() -> None:
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    assert re.search(r"^USER wallet$", dockerfile, re.M)
    assert 'ENTRYPOINT ["wallet"]' in dockerfile and '"--port", "8000"' in dockerfile
    for package in ("crypto", "storage", "consent", "qr", "wallet_api", "mobile_stub"):
        assert f"COPY {package} {package}" in dockerfile, package
    init = (DEPLOY / "init.sh").read_text()
    assert init.startswith("#!/bin/sh") and "exec wallet init" in init
