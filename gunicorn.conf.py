"""gunicorn settings for Relais in production: `gunicorn 'portal:create_app()'`.

gunicorn reads this file from the working directory by itself. Every value can
be overridden on the command line or with GUNICORN_CMD_ARGS.
"""

import multiprocessing
import os

# Behind nginx or Caddy on the same machine; in a container, listen on all
# interfaces of the container (the compose file publishes nothing else).
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8001")
# Two processes per core, each with a few threads: requests mostly wait on the
# database and on disk, and nothing in the portal is shared between workers.
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2))
threads = int(os.environ.get("GUNICORN_THREADS", 4))
worker_class = "gthread"
# Recycle workers now and then, so that a slow leak can never grow for weeks.
max_requests = 2000
max_requests_jitter = 200
timeout = 30
graceful_timeout = 20
keepalive = 5
# The reverse proxy sets X-Forwarded-For / -Proto; PORTAL_PROXIES=1 makes the
# portal trust exactly one hop of them (werkzeug's ProxyFix).
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
