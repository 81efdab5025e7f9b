# goodnews: the worker (default) or the web process, from the locked dependencies.
#   docker build -t goodnews .
#   docker run --env-file .env -v goodnews-data:/data goodnews            # the worker
#   docker run --env-file .env -p 8000:8000 goodnews goodnews web --host 0.0.0.0 --port 8000
# Debian bookworm: its postgresql-client (15) is what `goodnews backup` runs as pg_dump.
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
RUN python -m venv /opt/goodnews
# The lock first: this layer is rebuilt only when a dependency changes.
COPY requirements.txt .
RUN /opt/goodnews/bin/pip install --require-virtualenv -r requirements.txt
COPY pyproject.toml README.md LICENSE ./
COPY bot ./bot
COPY jobs ./jobs
# The wheel carries the catalogs (bot/locales), the migrations and the samples as package data.
RUN /opt/goodnews/bin/pip wheel --no-deps --wheel-dir /wheels . \
 && /opt/goodnews/bin/pip install --no-deps /wheels/goodnews-*.whl

FROM ${PYTHON_IMAGE}
ENV PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 PATH=/opt/goodnews/bin:$PATH \
    GOODNEWS_LOG_FORMAT=json
RUN apt-get update \
 && apt-get install -y --no-install-recommends postgresql-client \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /data --create-home goodnews \
 && install -d -o goodnews -g goodnews /data/media /data/outbox
COPY --from=build /opt/goodnews /opt/goodnews
# The database (SQLite by default), media_dir and outbox live in /data: mount a volume there
# (a volume on /data/media alone starts with the goodnews user's ownership, made above).
# A config.toml in /data is read; without one, the embedded defaults apply.
WORKDIR /data
USER goodnews
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=60s --timeout=10s --start-period=2m --retries=3 \
  CMD ["goodnews", "health", "--max-age", "3m"]
CMD ["goodnews", "run"]
