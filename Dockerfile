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

RUN groupadd --system app && useradd --system --gid app --home /app app

COPY . .
RUN pip install -e .
# collectstatic needs settings to load; the key is a throwaway used only for this build step.
RUN SECRET_KEY=collectstatic-only python manage.py collectstatic --no-input \
    && mkdir -p /app/media && chown -R app:app /app/media

USER app
EXPOSE 8000

# A 120 s timeout lets the largest streamed exports (XLSX of 100,000 risks: about 50 s) finish.
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "120", "--access-logfile", "-"]
