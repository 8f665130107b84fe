#!/bin/sh
# One-shot job before the API nodes start: create the bucket if missing, then `wallet init`
# (master key on the shared key volume, schema migrations under an advisory lock, first signing key).
set -eu
python - <<'PY'
import os
from urllib.parse import parse_qs, urlsplit

from minio import Minio

url = urlsplit(os.environ["WALLET_BLOB_URL"])
query = {k: v[0] for k, v in parse_qs(url.query).items()}
client = Minio(
    query["endpoint"],
    access_key=os.environ["WALLET_S3_ACCESS_KEY"],
    secret_key=os.environ["WALLET_S3_SECRET_KEY"],
    secure=query.get("secure", "true") == "true",
    region=query.get("region"),
)
if not client.bucket_exists(url.netloc):
    client.make_bucket(url.netloc)
PY
exec wallet init
