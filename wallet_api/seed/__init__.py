"""National-size test data: ``wallet dev seed`` (direct batched inserts with the service's own
encryption, not the HTTP API)."""
