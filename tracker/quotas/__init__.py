"""Quotas and the metrics that compute them."""
