# The AI risk register: one image for the web server, the Celery worker and Celery beat.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# WeasyPrint (the safety plan's PDF) lays out text with Pango and HarfBuzz; DejaVu is its font.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
       libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

# A fixed user id, which Kubernetes' runAsUser names (deploy/kubernetes).
RUN groupadd --system --gid 10001 app && useradd --system --uid 10001 --gid app --home /app app

COPY . .
RUN pip install -e .
# Static files are collected (hashed, compressed) into the image, with the digest of their
# sources, so that `manage.py start` finds them up to date. Settings need a key to load; this
# one is a throwaway used only for this build step.
RUN SECRET_KEY=collectstatic-only python manage.py collectstatic_if_changed \
    && mkdir -p /app/media && chown -R app:app /app/media

USER app
EXPOSE 8000

# Migrates, checks the static files, then becomes gunicorn (config/gunicorn.py: port 8000,
# WEB_CONCURRENCY workers, default 3; a 120 s timeout for the largest streamed exports).
CMD ["python", "manage.py", "start"]
