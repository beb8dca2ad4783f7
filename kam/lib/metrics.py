"""KAM's Prometheus metrics and their text exposition (served at /metrics by kam/views.py).

Counted as things happen, in the process where they happen: requests by view name and status and
their latency (kam/lib/request_log.py), Celery tasks by name and outcome and their duration
(kam/lib/task_log.py). Gunicorn runs several worker processes and Celery workers are processes of
their own, so with PROMETHEUS_MULTIPROC_DIR set (before any process starts) every process writes
its samples to files in that directory and a scrape adds them up (prometheus-client's multiprocess
mode); unset, a process reports only its own counts.

Computed at scrape time: what an app registers with `register_scrape_collector` (the nightly
scoring's last run, relationships/scoring/metrics.py). Such a collector may read the database; when
it fails, its metrics are left out and the rest is still served.

Labels are view names, task names, statuses and outcomes: never a path, an id or a name, so nothing
confidential (and no unbounded set of series) can reach a metric.
"""

import logging
import os
from collections.abc import Callable, Iterable

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest, multiprocess
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from prometheus_client.metrics_core import Metric

logger = logging.getLogger(__name__)

MULTIPROC_DIR_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
CONTENT_TYPE = CONTENT_TYPE_PLAIN_0_0_4
UNRESOLVED_VIEW = "<unresolved>"
STATIC_VIEW = "<static>"

REQUESTS = Counter(
    "kam_http_requests", "HTTP requests answered, by view name and status.", ["view", "status"]
)
REQUEST_SECONDS = Histogram(
    "kam_http_request_duration_seconds",
    "Time from a request's arrival to its response, by view name.",
    ["view"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
TASKS = Counter("kam_celery_tasks", "Celery tasks finished, by task name and outcome.", ["task", "outcome"])
TASK_SECONDS = Histogram(
    "kam_celery_task_duration_seconds",
    "Run time of Celery tasks, by task name.",
    ["task"],
    buckets=(0.1, 0.5, 1.0, 5.0, 15.0, 60.0, 300.0, 900.0, 3600.0),
)

ScrapeCollector = Callable[[], Iterable[Metric]]
_scrape_collectors: dict[str, ScrapeCollector] = {}


def register_scrape_collector(name: str, collect: ScrapeCollector) -> None:
    """Have `collect()` add its metrics to every scrape (registering a name again replaces it)."""
    _scrape_collectors[name] = collect


def request_observed(*, view: str, status: int, seconds: float) -> None:
    REQUESTS.labels(view=view, status=str(status)).inc()
    REQUEST_SECONDS.labels(view=view).observe(seconds)


def task_observed(*, task: str, outcome: str, seconds: float | None) -> None:
    TASKS.labels(task=task, outcome=outcome).inc()
    if seconds is not None:
        TASK_SECONDS.labels(task=task).observe(seconds)


class _AtScrape:
    """The registered scrape-time collectors; one that fails is left out of this scrape."""

    def collect(self) -> Iterable[Metric]:
        for name, collect in list(_scrape_collectors.items()):
            try:
                metrics = list(collect())
            except Exception as error:  # a broken gauge must not take the counters down with it
                logger.warning("metrics %s left out of this scrape: %s", name, error.__class__.__name__)
                continue
            yield from metrics


class _ThisProcess:
    """The default registry of this process (counters, histograms, process and platform facts)."""

    def collect(self) -> Iterable[Metric]:
        yield from REGISTRY.collect()


def multiprocess_dir() -> str:
    return os.environ.get(MULTIPROC_DIR_VARIABLE, "")


def registry_for_scrape(path: str | None = None) -> CollectorRegistry:
    """Every process's samples (multiprocess mode) or this process's, plus the scrape-time ones."""
    registry = CollectorRegistry(auto_describe=False)
    path = multiprocess_dir() if path is None else path
    if path:
        multiprocess.MultiProcessCollector(registry, path=path)
    else:
        registry.register(_ThisProcess())
    registry.register(_AtScrape())
    return registry


def exposition(path: str | None = None) -> tuple[bytes, str]:
    """The metrics in Prometheus' text format, and its content type."""
    return generate_latest(registry_for_scrape(path)), CONTENT_TYPE
