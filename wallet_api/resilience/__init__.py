"""Faults answered fast: per-request deadlines, a bulkhead for blob I/O, readiness checks."""

from wallet_api.resilience.lanes import Lanes

__all__ = ["Lanes"]
