"""Thin Celery task for the dashboards: the nightly monthly interaction mix."""

from celery import shared_task

from relationships.dashboards.services import interaction_mix_refresh


@shared_task(acks_late=True, autoretry_for=(OSError,), max_retries=3, retry_backoff=True)
def interaction_mix_nightly() -> int:
    """Rebuild the dashboards' monthly interaction mix (idempotent: a full rebuild of recent months)."""
    return interaction_mix_refresh()
