"""Alembic migrations of the metadata schema, run by ``SqlMetadata.migrate``."""
