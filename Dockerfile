# syntax=docker/dockerfile:1
# Production image: web (gunicorn), Celery worker and beat all run from it.

# --- front-end libraries from npm, with the committed lock file
FROM node:20-bookworm-slim AS assets
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error

# --- Python wheels, built once
FROM python:3.11-slim-bookworm AS wheels
RUN apt-get update && apt-get install -y --no-install-recommends build-essential libpq-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /build
COPY requirements.txt ./
RUN pip wheel --no-cache-dir --wheel-dir /wheels -r requirements.txt

# --- runtime
FROM python:3.11-slim-bookworm AS runtime
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DJANGO_ENV=production \
    DJANGO_SETTINGS_MODULE=billing.settings \
    VAR_DIR=/app/var \
    NODE_MODULES_DIR=/app/node_modules \
    STATIC_ROOT=/app/staticfiles \
    WEB_BIND=0.0.0.0:8000
# System libraries WeasyPrint needs (printed documents), fonts, and libpq for psycopg.
RUN apt-get update && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 libfontconfig1 \
        libjpeg62-turbo libopenjp2-7 libffi8 shared-mime-info fonts-dejavu-core libpq5 \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system app && useradd --system --gid app --home /app app
WORKDIR /app
COPY --from=wheels /wheels /wheels
RUN pip install --no-cache-dir --no-index --find-links=/wheels /wheels/* && rm -rf /wheels
COPY --from=assets /build/node_modules/bootstrap/dist /app/node_modules/bootstrap/dist
COPY --from=assets /build/node_modules/bootstrap-icons/font /app/node_modules/bootstrap-icons/font
COPY --from=assets /build/node_modules/htmx.org/dist /app/node_modules/htmx.org/dist
COPY --from=assets /build/node_modules/chart.js/dist /app/node_modules/chart.js/dist
COPY --chown=app:app . /app
# collectstatic needs settings to load: throwaway values, used only for this step.
RUN SECRET_KEY=build-only DATABASE_URL=sqlite:////tmp/build.sqlite3 REDIS_URL=redis://localhost:6379/0 \
    ALLOWED_HOSTS=localhost FIELD_ENCRYPTION_KEY=aW1hZ2UtYnVpbGQtb25seS1rZXktMzItYnl0ZXMtISE= \
    python manage.py collectstatic --noinput \
    && mkdir -p /app/var && chown -R app:app /app/var /app/staticfiles
USER app
EXPOSE 8000
# Both the server and its health check read WEB_BIND: change the port there, and only there.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-m", "billing.healthcheck"]
CMD ["sh", "-c", "exec gunicorn billing.wsgi --bind \"$WEB_BIND\" --workers \"${WEB_CONCURRENCY:-3}\" --access-logfile -"]
