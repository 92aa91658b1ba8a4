# PatronGuard in a container: non-root, database on the /data volume, health on /healthz.
#
#   docker build -t patronguard .
#   docker run -d --name patronguard -p 3000:3000 --stop-timeout 30 \
#     -v patronguard-data:/data -v /etc/patronguard:/config:ro \
#     --env-file /etc/patronguard/env patronguard
#
# Secrets (SLACK_BOT_TOKEN, PATRONGUARD_SMTP_PASSWORD, ...) come from --env-file, never the image.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# A fixed uid, so the volume's owner is the same on every host and rebuild.
RUN groupadd --system --gid 10001 patronguard \
    && useradd --system --uid 10001 --gid patronguard --no-create-home \
       --home-dir /nonexistent --shell /usr/sbin/nologin patronguard \
    && mkdir -p /data /config \
    && chown patronguard:patronguard /data \
    && chmod 0700 /data

COPY . /tmp/src
RUN pip install /tmp/src && rm -rf /tmp/src

ENV PATRONGUARD_DB=/data/patronguard.db \
    PATRONGUARD_CONFIG=/config/patronguard.yaml
VOLUME ["/data"]
WORKDIR /data
USER patronguard:patronguard
EXPOSE 3000

# slim has no curl: Python's urllib fails (exit 1) on connection errors and on 503.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:3000/healthz', timeout=4)"]

# SIGTERM lets serve finish the page it is delivering; give it time (--stop-timeout 30).
STOPSIGNAL SIGTERM
CMD ["patronguard", "serve", "--host", "0.0.0.0", "--port", "3000", "--log-format", "json"]
