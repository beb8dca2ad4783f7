"""Thin Celery tasks for the nightly scoring: they take ids and dates, and call the scoring services.

`scoring_nightly` (beat, settings.CELERY_BEAT_SCHEDULE) records a run and, once that commits, sends
one `scoring_chunk` per account range as a group that any worker may take. There is no result
backend: each chunk records itself on the run, and the last one closes it.
"""

import datetime
import logging

from celery import group, shared_task
from django.db import transaction
from django.utils import timezone

from relationships.scoring import services

log = logging.getLogger(__name__)
RETRY_SECONDS = 30


@shared_task(acks_late=True, autoretry_for=(OSError,), max_retries=3, retry_backoff=True)
def scoring_nightly(scored_on: str | None = None, chunk_size: int | None = None) -> int | None:
    """Start a run for `scored_on` (ISO date; default today); None when another run is going."""
    day = datetime.date.fromisoformat(scored_on) if scored_on else timezone.localdate()
    with transaction.atomic():
        begun = services.scoring_run_begin(scored_on=day, trigger="nightly", chunk_size=chunk_size)
        if begun is None:
            log.warning("scoring run for %s refused: another run is starting or running", day)
            return None
        run, ranges = begun
        chunks = group(scoring_chunk.s(run.pk, day.isoformat(), lo, hi) for lo, hi in ranges)
        # Workers must find the run row, so the chunks are sent only once it is committed.
        transaction.on_commit(chunks.apply_async)
    log.info("scoring run %s for %s: %s chunks", run.pk, day, len(ranges))
    return run.pk


@shared_task(bind=True, acks_late=True, max_retries=3)
def scoring_chunk(self, run_id: int, scored_on: str, first_account_id: int, last_account_id: int) -> int:
    """Score one account range; retried on failure, recorded as failed when retries run out."""
    try:
        return services.scoring_chunk_compute(
            scored_on=datetime.date.fromisoformat(scored_on),
            first_account_id=first_account_id,
            last_account_id=last_account_id,
            run_id=run_id,
        )
    except Exception as exc:
        if self.request.retries < self.max_retries:
            raise self.retry(exc=exc, countdown=RETRY_SECONDS * (self.request.retries + 1)) from exc
        services.scoring_chunk_fail(
            run_id=run_id,
            first_account_id=first_account_id,
            last_account_id=last_account_id,
            error=f"{type(exc).__name__}: {exc}",
        )
        raise


@shared_task(acks_late=True, max_retries=3, autoretry_for=(services.ChunkBusy, OSError), retry_backoff=True)
def scoring_accounts_refresh(account_ids: list[int]) -> int:
    """Rescore a few accounts for today after a write that changes their inputs (enqueued on commit)."""
    if not account_ids:
        return 0
    return services.scoring_chunk_compute(
        scored_on=timezone.localdate(),
        first_account_id=min(account_ids),
        last_account_id=max(account_ids),
        account_ids=sorted(account_ids),
    )


def enqueue_accounts_refresh(account_ids: list[int]) -> None:
    """Call inside the writing transaction: the task is sent only if and when it commits."""
    ids = sorted(set(account_ids))
    transaction.on_commit(lambda: scoring_accounts_refresh.delay(ids))
