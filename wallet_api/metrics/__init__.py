"""Request metrics for the operator's ``/metrics`` (Prometheus)."""

from wallet_api.metrics.middleware import RequestMetrics, request_metrics

__all__ = ["RequestMetrics", "request_metrics"]
