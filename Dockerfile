# KAM's production image: one image for every role (docs/deployment.md). Build: docker build -t kam .
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    STATIC_ROOT=/app/static-collected \
    KAM_BEAT_SCHEDULE=/app/var/celerybeat-schedule \
    KAM_BIND=0.0.0.0:8000

WORKDIR /app
# What production runs, and nothing else: the development tools stay out of the image.
COPY requirements.txt ./
RUN pip install -r requirements.txt

COPY . .
# Static files are collected into the image (hashed names, gzip copies), so every container serves
# the files of its own code; DEBUG=false selects that storage (kam/settings.py STORAGES). Nothing
# here reads a secret or a database: with DATABASE_URL unset, settings load their development default.
RUN DEBUG=false python manage.py collectstatic --no-input -v 0 \
    && useradd --system --uid 10001 --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin kam \
    && mkdir -p /app/var \
    && chown kam /app/var

# The code and the collected files belong to root: the service user can read them, not change them.
USER kam
EXPOSE 8000
CMD ["python", "-m", "kam.serve", "web"]
