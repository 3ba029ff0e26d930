"""gunicorn settings for tracker: ``gunicorn -c gunicorn.conf.py tracker.wsgi:app``.

Every value can be set from the environment (the systemd unit's ``Environment=`` lines).
Run it behind nginx, which buffers slow uploads, so a sync worker is never held for the
duration of an applicant's upload over a phone connection.
"""

from __future__ import annotations

import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")


def _cpus() -> int:
    """Return how many CPUs this process may run on (all of them where that is not known)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


# One worker per CPU, and at least two, so that one long request (an export, a 30 MB
# upload) never holds up all the others. Behind nginx, which buffers uploads and slow
# clients, a sync worker spends a request on the CPU but for a few short waits on the
# database and the disk: more workers than CPUs only take turns, and each turn costs. On
# the 2-core machine the project is built on, 200 submissions from 16 clients ran at
# 42.7/s with 2 workers, 40–42 with 3, 37–38 with 4 and 32–34 with 6 on PostgreSQL, the
# CPU a submission took rising with each worker added (README "Deploying").
workers = int(os.environ.get("GUNICORN_WORKERS", max(2, _cpus())))
worker_class = "sync"
# Each worker builds its own app, engine and connection pool after the fork: SQLite and
# psycopg connections must never cross a fork.
preload_app = False
# A request that takes longer than this is killed (and logged): the slowest legitimate one
# is a 30 MB upload whose three documents are checked and their text extracted.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
# Recycle workers now and then, staggered, so a slow leak never becomes an outage.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", "200"))
# The heartbeat file on tmpfs: a worker blocked on a slow disk is not killed as hung.
worker_tmp_dir = os.environ.get("GUNICORN_WORKER_TMP_DIR", "/dev/shm")  # noqa: S108

# Proxy headers are trusted only as configured. The app's ProxyFix (PROXY_FIX_X_FOR,
# PROXY_FIX_X_PROTO) does the trusting; gunicorn itself trusts no address unless
# FORWARDED_ALLOW_IPS names the proxy, so a forged X-Forwarded-Proto from elsewhere
# cannot flip the scheme.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "")
if not forwarded_allow_ips:
    secure_scheme_headers: dict[str, str] = {}

# Logs to stderr (journald). The access line has method, status, size, duration and the
# client address, but never the path or query string: /status/<token>, password-reset
# and invitation links carry secrets in the path, and inbox filters carry search terms.
# (No %(r)s, %(U)s, %(q)s, and no %(f)s either – the Referer repeats those paths.)
# The worker's pid (<1234>) ends the line: which worker served a request.
# An empty GUNICORN_ACCESS_LOG turns the access log off.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
errorlog = os.environ.get("GUNICORN_ERROR_LOG", "-")
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
access_log_format = '%(h)s %(t)s "%(m)s" %(s)s %(B)s %(M)sms %(p)s'


def on_starting(server) -> None:
    """Refuse to start production with several workers that would each count rate limits alone.

    In memory (no REDIS_URL) every worker keeps its own counts, so each limit is silently
    multiplied by the number of workers: 4 workers let 20 applications a day through for
    one address instead of 5. Only the environment is read here, never the tracker package:
    the master must not import the app, or workers forked after a reload would run old code.
    """
    workers = server.cfg.workers
    production = os.environ.get("TRACKER_ENV") == "production"
    if production and workers > 1 and not os.environ.get("REDIS_URL"):
        # gunicorn prints a RuntimeError from this hook as "Error: …" and exits with 1.
        raise RuntimeError(
            f"refusing to start: TRACKER_ENV=production with {workers} workers needs "
            "REDIS_URL (e.g. redis://127.0.0.1:6379/0), or each worker counts the rate "
            "limits alone and lets through several times what they allow. Set REDIS_URL, "
            "or run one worker (GUNICORN_WORKERS=1)."
        )
