"""Gunicorn settings, all from the environment (12-factor style).

    DATABASE_URL   sqlite:////srv/customers/customers.sqlite3 or postgresql://...
    SECRET_KEY     the same on every server behind one load balancer
    BIND           0.0.0.0:8000      WEB_CONCURRENCY  2 x cores + 1
    THREADS        4                 TIMEOUT          60 (a large CSV export streams)
"""
import multiprocessing
import os

# The one-file install (cli.py serve) loads this same file.
bind = os.environ.get("BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("THREADS", "4"))
worker_class = "gthread"
timeout = int(os.environ.get("TIMEOUT", "60"))
graceful_timeout = 30
# Migrations run once, in the master, before workers fork.
preload_app = True
# Access log with the time each request took (%(M)s: milliseconds).
accesslog = os.environ.get("ACCESS_LOG", "-")
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms'
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def post_fork(server, worker):
    # Connections are per process: never share one made in the master with a worker.
    from data.db import release_connections

    release_connections()
