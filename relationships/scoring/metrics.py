"""The nightly scoring's metrics, computed when /metrics is scraped (kam/lib/metrics.py).

Read from the run records (`ScoringRun`: dates, durations, counts, no account's content), which
carry no row-level security: the web role reads them as it serves /metrics, outside any user's
transaction. Two indexed queries a scrape; with the database down the collector fails and the
scrape leaves these metrics out.
"""

from collections.abc import Iterator

from django.utils import timezone
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric

from relationships.models import ScoringRun

FINISHED = (ScoringRun.Status.SUCCEEDED, ScoringRun.Status.FAILED)


def scoring_metrics() -> Iterator[Metric]:
    last_nightly = (
        ScoringRun.objects.filter(trigger="nightly", status__in=FINISHED, seconds__isnull=False)
        .order_by("-started_at")
        .values_list("seconds", flat=True)
        .first()
    )
    last_success = (
        ScoringRun.objects.filter(status=ScoringRun.Status.SUCCEEDED, finished_at__isnull=False)
        .order_by("-finished_at")
        .values_list("finished_at", flat=True)
        .first()
    )
    if last_nightly is not None:
        yield GaugeMetricFamily(
            "kam_scoring_nightly_last_duration_seconds",
            "Duration of the last finished nightly scoring run.",
            value=last_nightly,
        )
    if last_success is not None:
        yield GaugeMetricFamily(
            "kam_scoring_last_success_age_seconds",
            "Seconds since the last scoring run (nightly or manual) that succeeded finished.",
            value=(timezone.now() - last_success).total_seconds(),
        )
