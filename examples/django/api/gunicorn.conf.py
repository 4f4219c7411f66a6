"""gunicorn settings of the example API: a fixed pool of sync workers.

A sync worker serves one request at a time, so 4 workers are 4 requests in
progress at once; mtlsguard's per-identity max_inflight and
upstream_capacity.max_inflight are sized against this number.
"""
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "4"))
worker_class = "sync"
timeout = 30
graceful_timeout = 10
# Only the proxy talks to gunicorn; it sets X-Forwarded-For itself.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-") or None  # "" turns it off
