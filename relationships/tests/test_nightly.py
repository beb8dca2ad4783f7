"""The nightly run through Celery: in-process (eager) and with a real worker on Redis."""

import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from kam.celery import app
from relationships.models import AccountScore, ScoringRun
from relationships.scoring import tasks
from relationships.tests.scoring_helpers import interact

BASE_DIR = Path(django_settings.BASE_DIR)
TEST_REDIS_DB = 13


@pytest.fixture
def eager():
    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    yield
    app.conf.task_always_eager = False
    app.conf.task_eager_propagates = False


def test_beat_schedules_the_nightly_run_at_the_configured_time():
    entry = django_settings.CELERY_BEAT_SCHEDULE["scoring-nightly"]
    assert entry["task"] == tasks.scoring_nightly.name
    assert entry["schedule"].hour == {django_settings.SCORING_NIGHTLY_HOUR}
    assert entry["schedule"].minute == {django_settings.SCORING_NIGHTLY_MINUTE}


def test_tasks_ack_late_and_retry():
    for task in (tasks.scoring_nightly, tasks.scoring_chunk, tasks.scoring_accounts_refresh):
        assert task.acks_late and task.max_retries == 3


@pytest.mark.django_db
def test_nightly_sends_its_chunks_only_on_commit(personas, eager, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        run_id = tasks.scoring_nightly(chunk_size=1)
    assert not AccountScore.objects.exists()  # nothing sent before the commit
    assert len(callbacks) == 1
    callbacks[0]()
    run = ScoringRun.objects.get(pk=run_id)
    assert (run.status, run.chunks_done, run.accounts) == ("succeeded", 2, 2)
    assert AccountScore.objects.filter(scored_on=timezone.localdate()).count() == 2


@pytest.mark.django_db
def test_nightly_refuses_to_overlap_a_running_run(personas, eager, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        assert tasks.scoring_nightly() is not None
        assert tasks.scoring_nightly() is None


@pytest.mark.django_db
def test_a_chunk_failing_after_its_retries_is_recorded(personas, eager, monkeypatch):
    from relationships.scoring import services

    run, ranges = services.scoring_run_begin(scored_on=timezone.localdate(), trigger="test", chunk_size=5)

    def broken(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(services, "scoring_chunk_compute", broken)
    monkeypatch.setattr(tasks.scoring_chunk, "retry", lambda **kw: kw["exc"])  # no waiting in a test
    task = tasks.scoring_chunk
    task.push_request(retries=3)
    try:
        with pytest.raises(RuntimeError):
            task.run(run.pk, timezone.localdate().isoformat(), *ranges[0])
    finally:
        task.pop_request()
    run.refresh_from_db()
    assert (run.status, run.chunks_failed) == ("failed", 1)


def _database_url() -> str:
    db = django_settings.DATABASES["default"]
    host = quote(db["HOST"], safe="") if db["HOST"].startswith("/") else db["HOST"]
    password = f":{quote(db['PASSWORD'], safe='')}" if db.get("PASSWORD") else ""
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgresql://{db['USER']}{password}@{host}{port}/{db['NAME']}"


def _dedicated_redis_url() -> str:
    url = django_settings.REDIS_URL
    if url.startswith("unix://"):
        path = url.split("?", 1)[0]
        return f"{path}?db={TEST_REDIS_DB}"
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{TEST_REDIS_DB}", parts.query, ""))


def _broker(redis_url: str) -> str:
    return (
        "redis+socket://" + redis_url.removeprefix("unix://")
        if redis_url.startswith("unix://")
        else redis_url
    )


def _wait_for_run(proc, log_path: Path, timeout: float = 90.0) -> ScoringRun:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = ScoringRun.objects.filter(trigger="nightly").first()
        if run and run.status != ScoringRun.Status.RUNNING:
            return run
        if proc.poll() is not None:
            break
        time.sleep(0.5)
    pytest.fail(f"the worker did not finish the run; its log:\n{log_path.read_text()[-3000:]}")


@pytest.mark.django_db(transaction=True)
def test_a_real_celery_worker_runs_the_nightly_scoring_end_to_end(personas):
    interact(personas.alice_account, "value_adding", 2)
    interact(personas.bob_account, "escalation", 1)
    queue = f"kam-test-scoring-{uuid.uuid4().hex[:8]}"
    redis_url = _dedicated_redis_url()
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "REDIS_URL": redis_url,
        "SCORING_QUEUE": queue,
        "SECRET_KEY": os.environ.get("SECRET_KEY") or "test-worker-not-secret-" * 3,
    }
    env.pop("DATABASE_OWNER_URL", None)  # the worker is the app role, like in production
    log_path = Path(tempfile.mkstemp(prefix="kam-test-worker-", suffix=".log")[1])
    with log_path.open("w") as log:
        proc = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            [
                sys.executable, "-m", "celery", "-A", "kam", "worker", "-Q", queue, "-c", "2",
                "-n", f"{queue}@%h", "-l", "INFO", "--without-gossip", "--without-mingle",
            ],
            cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    try:
        with app.connection_for_write(_broker(redis_url)) as connection:
            tasks.scoring_nightly.apply_async(
                args=[timezone.localdate().isoformat(), 1], queue=queue, connection=connection
            )
        run = _wait_for_run(proc, log_path)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert (run.status, run.chunks_total, run.chunks_done, run.accounts) == ("succeeded", 2, 2, 2), (
        log_path.read_text()[-3000:]
    )
    scores = AccountScore.objects.filter(scored_on=timezone.localdate())
    assert {s.account_id: s.band for s in scores} == {
        personas.alice_account.pk: "green",
        personas.bob_account.pk: "amber",
    }
    log_path.unlink()
