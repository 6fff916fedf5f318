# Relais: the portal (gunicorn) and the tools to build the public site.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    NO_MKDOCS_2_WARNING=1 GUNICORN_BIND=0.0.0.0:8001

# pg_dump/pg_restore for `relais backup` and `relais restore` on PostgreSQL.
RUN apt-get update && apt-get install -y --no-install-recommends postgresql-client \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home --uid 1000 relais

WORKDIR /app
COPY pyproject.toml README.md ./
COPY portal ./portal
RUN pip install -e '.[server]'
COPY mkdocs.yml gunicorn.conf.py ./
COPY content ./content

# The built site is shared with the web server through a volume.
RUN mkdir -p /app/site-data /app/instance && chown -R relais /app/site-data /app/instance
USER relais
ENV PORTAL_SITE_DIR=/app/site-data/site PORTAL_SERVE_SITE=false PORTAL_PROXIES=1
EXPOSE 8001
HEALTHCHECK --interval=30s --timeout=5s CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8001/portail/sante', timeout=4)"
# Schema upgrade and a fresh site at every start, then the portal.
CMD ["sh", "-c", "relais init-db && relais build-site && exec gunicorn 'portal:create_app()'"]
